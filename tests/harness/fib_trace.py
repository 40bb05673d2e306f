"""What a converted trace (scripts/trace2json.py's JSON) of the shell's
parallel fib must show of the fib tasks, for trace_session.py and
trace_host_dump.py."""


def check_fib_tasks(events, want, tag):
    """Asserts that exactly want fib tasks ran, that none exited twice or ran
    again after exiting, and that one that never exited last stopped running
    or preempted: a task's waitgroup_done comes before its exit, so the shell
    may stop the trace while the last few are between the two (their core's
    vCPU thread descheduled by a busy host), but such a task is never
    parked. Prints, under [tag], how many exited and how many were still
    finishing."""
    stops = {}
    for e in sorted((e for e in events if e["ph"] == "X" and e["name"] == "fib"),
                    key=lambda e: e["ts"]):
        stops.setdefault(e["args"]["task"], []).append(e["args"]["stop"])
    assert len(stops) == want, "%d fib tasks ran in the trace, want %d" % (len(stops), want)
    twice = [t for t, s in stops.items() if s.count("exited") > 1]
    assert not twice, "fib tasks %s exited more than once" % twice
    unfinished = {t: s[-1] for t, s in stops.items() if "exited" not in s}
    assert all(s in ("running", "preempted") for s in unfinished.values()), \
        "fib tasks that never exited stopped as %s" % unfinished
    after_exit = [t for t, s in stops.items() if "exited" in s and s[-1] != "exited"]
    assert not after_exit, "fib tasks %s ran again after exiting" % after_exit
    print("[%s] %d fib tasks exited, %d still finishing when the trace stopped"
          % (tag, len(stops) - len(unfinished), len(unfinished)), flush=True)
