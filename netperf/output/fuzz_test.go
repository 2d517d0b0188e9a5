package output_test

import (
	"bytes"
	"strings"
	"testing"

	"nperf/netperf/output"
)

// FuzzReadSelection feeds selector files (bytes from a user's file) to
// ReadSelection and ParseSelection: neither may panic, and whatever they
// accept must be a selection every printer can print.
func FuzzReadSelection(f *testing.F) {
	f.Add("THROUGHPUT,THROUGHPUT_UNITS\nELAPSED_TIME\n")
	f.Add("Throughput Units,Elapsed Time (sec),,\r\n\nCOMMAND_LINE,RESULT_BRAND,OUTPUT_END,UUID\n")
	f.Add("THROUGHPUT;PROTOCOL;;DIRECTION;")
	f.Add(strings.Repeat("P99_LATENCY,", 200))
	for _, fx := range []string{"60_omni_csv_selected", "66_omni_human_multiblock_semicolon", "72_omni_human_all"} {
		_, out := readFixture(f, "testdata/netperf-omni/"+fx+".txt")
		f.Add(out)
	}
	rec := sampleRecord("TCP_RR")
	f.Fuzz(func(t *testing.T, in string) {
		for _, parse := range []func() (output.Selection, error){
			func() (output.Selection, error) { return output.ReadSelection(strings.NewReader(in), "fuzz") },
			func() (output.Selection, error) { return output.ParseSelection(in) },
		} {
			sel, err := parse()
			if err != nil {
				continue
			}
			if len(sel) > output.MaxBlocks {
				t.Fatalf("%d blocks", len(sel))
			}
			for _, b := range sel {
				for _, s := range b {
					if strings.HasPrefix(s.String(), "Selector(") || s.String() == "OUTPUT_END" {
						t.Fatalf("selection holds %s", s)
					}
				}
			}
			for _, mode := range []string{output.ModeCSV, output.ModeKeyval, output.ModeHuman} {
				var b bytes.Buffer
				if err := output.Omni(&b, rec, output.Options{OmniMode: mode, Headers: true, Selection: sel}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
