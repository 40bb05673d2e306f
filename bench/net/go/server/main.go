// The Go side of the server benchmark (scripts/bench-net.sh): net/http as
// a Go programmer writes it, a goroutine per connection (the server's own),
// answering every request with "hello\n" over keep-alive connections, like
// bench/net/server.c on brigade and bench/net/pthread_server.c.
//
//	server ADDR     e.g. 127.0.0.1:8081
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: server ADDR")
		os.Exit(2)
	}
	hello := []byte("hello\n")
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	fmt.Printf("server: listening on %s\n", os.Args[1])
	err := http.ListenAndServe(os.Args[1], nil)
	fmt.Fprintf(os.Stderr, "server: %v\n", err)
	os.Exit(1)
}
