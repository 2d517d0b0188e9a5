module nperf

go 1.26.8

require (
	github.com/rogpeppe/go-internal v1.14.1
	golang.org/x/sys v0.50.0
)

require golang.org/x/tools v0.26.0 // indirect
