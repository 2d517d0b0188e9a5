package output

import (
	"fmt"
	"io"

	"nperf/result"
)

// confidenceSuffix is what the banner of a confidence run adds after the
// addresses: half the requested interval width (netperf states it as
// +/-), the level, and a blank where netperf would say " on result only",
// hence the two spaces before the next " : ".
func confidenceSuffix(spec *result.Spec) string {
	if spec.IterationsMax <= 1 {
		return ""
	}
	return fmt.Sprintf(" : +/-%.3f%% @ %2d%% conf. %s", spec.ConfidenceWidthPercent/2, spec.ConfidenceLevel, "")
}

// writeWarning prints netperf's block for a confidence run that ran out of
// iterations before its interval was narrow enough: the full interval
// widths reached, in percent of the mean, for the result and for each
// side's CPU utilisation (0.000 when that side was not measured). Only
// the classic printer prints it; the omni printers report the same widths
// through the *_CONFID selectors instead.
func writeWarning(w io.Writer, c *result.Confidence) {
	fmt.Fprintf(w, "!!! WARNING\n"+
		"!!! Desired confidence was not achieved within the specified iterations.\n"+
		"!!! This implies that there was variability in the test environment that\n"+
		"!!! must be investigated before going further.\n"+
		"!!! Confidence intervals: Throughput      : %s%%\n"+
		"!!!                       Local CPU util  : %s%%\n"+
		"!!!                       Remote CPU util : %s%%\n\n",
		cfloat("%4.3f", c.ThroughputWidthPercent),
		cfloat("%4.3f", c.LocalCPUWidthPercent),
		cfloat("%4.3f", c.RemoteCPUWidthPercent))
}
