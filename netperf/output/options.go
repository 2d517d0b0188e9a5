package output

import "nperf/internal/units"

// Options are netperf's output options: the global ones (-f, -v, -P, -B)
// and, for the omni printers, the test-specific -o / -k / -O choice with
// what netperf prints about the invocation itself.
type Options struct {
	Format    units.Format // -f letter; units.FormatDefault = the test's default (m for stream tests, x = Trans for RR/CRR)
	Verbosity int          // -v: 0 prints the headline number only; 1 the table; 2 and above adds netperf's extra blocks
	Headers   bool         // -P 1 (default true): banner and column titles; false for -P 0
	Brand     string       // -B brand; printed per netperf's rules (only when headers are off)

	// OmniMode is the omni output format: ModeCSV (-o), ModeKeyval (-k)
	// or ModeHuman (-O). Omni needs one; Interim prints its classic
	// "Interim result:" line when it is "" or ModeHuman.
	OmniMode string
	// Selection is what the omni printers print, from Select. Nil means
	// the test's default list (DefaultSelection).
	Selection Selection
	// CommandLine is the argv printed by the COMMAND_LINE selector,
	// joined with single spaces as netperf does.
	CommandLine []string
	// UUID is the test's identifier printed by the UUID selector; empty
	// prints as netperf prints a missing value.
	UUID string
}

// The omni output modes, as netperf.Invocation.OmniMode spells them.
const (
	ModeCSV    = "csv"    // -o: a header line and a line of comma-separated values
	ModeKeyval = "keyval" // -k: NAME=value lines
	ModeHuman  = "human"  // -O: blocks of aligned columns under four header lines
)
