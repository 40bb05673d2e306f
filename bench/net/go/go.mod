module brigade/bench/net/go

go 1.19
