// Package profile owns nperf's test suites: YAML profiles of tests with
// expectations, decoded strictly (every problem with file:line:column, in
// one pass), expanded into runner Jobs, and judged against what the runs
// measured. The ten built-in profiles are embedded in the binary.
//
// A profile is pure data until a caller runs its Jobs: this package
// neither opens sockets nor prints; internal/cli runs the jobs and shows
// the verdicts. docs/profiles.md documents the format.
package profile

import (
	"embed"
	"time"
)

//go:embed profiles/*.yaml
var builtinFS embed.FS

// A Profile is a decoded, validated profile with its inheritance merged
// and its variables substituted.
type Profile struct {
	Name        string
	Description string
	Tags        []string
	// Source is the file the profile was loaded from ("builtin/NAME.yaml"
	// for a built-in); Extends the profiles it inherits from, nearest first.
	Source  string
	Extends []string
	Globals Globals
	Tests   []Test
}

// Globals are the settings every test uses unless it sets its own.
type Globals struct {
	// Hosts are the servers (host, host:port, [v6]:port); instances are
	// spread over them round-robin. None: an embedded loopback server.
	Hosts      []string
	Duration   time.Duration // length of each test; whole seconds
	Iterations int           // times each run is repeated; cv needs 2 or more
	Interval   time.Duration // period of interval Records
	Pause      time.Duration // idle time between two runs
	Engine     string        // what runs the tests: "nperf" (the built-in engine)
}

// Defaults of the global settings.
const (
	DefaultDuration   = 10 * time.Second // netperf's -l default
	DefaultIterations = 1
	DefaultInterval   = 250 * time.Millisecond
	DefaultEngine     = "nperf"
)

// A Test is one test of a profile: a netperf test type with options,
// optionally swept over lists of values, and its expectations.
type Test struct {
	Name        string
	Description string
	Type        string // TCP_STREAM, TCP_MAERTS, TCP_RR, TCP_CRR, UDP_STREAM, UDP_RR
	// Skip leaves the test out of runs (a profile that extends another can
	// switch off one of its tests).
	Skip bool
	// Duration, Iterations and Hosts override the globals when set.
	Duration   time.Duration
	Iterations int
	Hosts      []string
	Options    []Option
	// Sweep expands the test into the cartesian product of its axes, in
	// order, the last axis varying fastest. A swept option overrides the
	// same option in Options.
	Sweep  []Axis
	Expect []Expectation
	Pos    Pos
}

// An Option is one test option: its name (nperf's own, as in Records'
// spec), the value as written and the value parsed.
type Option struct {
	Name  string
	Text  string
	Value any // int, bool, string, time.Duration or []int, by option
	Pos   Pos
}

// An Axis is one swept option and its values.
type Axis struct {
	Name   string
	Values []Option
	Pos    Pos
}
