# The host side-by-side as one picture: four panels drawn from the data
# file scripts/bench-host.sh writes (one block per panel, "?" where a system
# has no figure). gnuplot -e "datafile='...'; outfile='...'; budget='...'"
set terminal svg size 1500,780 dynamic font "sans,12" background rgb "white"
set output outfile
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
set multiplot layout 2,3 title "brigade tasks vs Go goroutines vs pthreads (host, 2 cores; medians)"

brigade = "#1b7837"
brigade2 = "#7fbf7b"
golang = "#2166ac"
pthreads = "#b2182b"

set title "(a) spawn + join: ns per task (log scale, lower is better)"
set logscale y
set yrange [10:*]
set xlabel "tasks spawned"
plot datafile index 0 using 2:xtic(1) title "brigade" lc rgb brigade, \
     '' index 0 using 3 title "Go" lc rgb golang, \
     '' index 0 using 4 title "pthreads" lc rgb pthreads

set title "(b) ping-pong: round trips per second (log scale, higher is better)"
set yrange [*:*]
set xlabel ""
plot datafile index 1 using 2:xtic(1) notitle lc rgb brigade

set title "(c) blocked: resident bytes per task (log scale, lower is better)"
set xlabel "tasks blocked at once"
set key top right horizontal maxcols 2 font ",10"
set yrange [1000:30000]
plot datafile index 2 using 2:xtic(1) title "brigade, 16 KiB stacks" lc rgb brigade, \
     '' index 2 using 3 title "brigade, 2 KiB stacks" lc rgb brigade2, \
     '' index 2 using 4 title "Go" lc rgb golang, \
     '' index 2 using 5 title "pthreads" lc rgb pthreads

set title sprintf("(d) largest N blocked within %s MiB (higher is better)", budget)
unset logscale y
unset yrange
set key top left vertical
set xlabel ""
plot datafile index 3 using 2:xtic(1) notitle lc rgb golang

set title "(e) fork-join fib: speedup from 1 core to 2 (higher is better)"
set yrange [0:2.2]
plot datafile index 4 using 2:xtic(1) title "fine-grained" lc rgb "#542788", \
     '' index 4 using 3 title "coarse" lc rgb "#e08214"

unset multiplot
