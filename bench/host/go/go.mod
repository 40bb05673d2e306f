module brigade/bench/host/go

go 1.19
