// Command nperf is a netperf-compatible network benchmark and the tools
// around it. Invoked as "netperf" it is "nperf run"; as "netserver",
// "nperf server".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"nperf/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args, cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
