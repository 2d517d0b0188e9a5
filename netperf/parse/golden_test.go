package parse

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nperf/result"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden is what a fixture parses into: its records and the error, if any.
type golden struct {
	Error   string           `json:"error,omitempty"`
	Records []*result.Record `json:"records"`
}

// fixtures lists the saved netperf 2.7.1 outputs (copied from
// shared/testdata/netperf-outputs, one run per file with a "# cmd:" line).
func fixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/netperf-outputs/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return files
}

// TestGolden parses every fixture and compares the records with
// testdata/golden/NAME.json (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for _, file := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := Output(f, filepath.Base(file), Hint{})
			g := golden{Records: recs}
			if err != nil {
				g.Error = err.Error()
			}
			if g.Records == nil {
				g.Records = []*result.Record{}
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("records differ from %s (go test -update rewrites it):\n%s", path, got)
			}
			checkStream(t, recs)
		})
	}
}

// checkStream checks that records survive the Record stream: they encode,
// read back through result.Reader, and keep the contract of docs/records.md
// (intervals numbered from 0, one Final record last with the next number).
func checkStream(t *testing.T, recs []*result.Record) {
	t.Helper()
	var buf bytes.Buffer
	enc := result.NewEncoder(&buf)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatalf("encode: %v", err)
		}
	}
	rd := result.NewReader(&buf, "encoded")
	n := 0
	seq := 0
	for rd.Scan() {
		r := rd.Record()
		if r.Test == "" {
			t.Errorf("record %d has no test", n)
		}
		if r.Seq != seq {
			t.Errorf("record %d: seq %d, want %d", n, r.Seq, seq)
		}
		seq++
		if r.Final {
			seq = 0
		}
		n++
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(recs) {
		t.Fatalf("read back %d records of %d", n, len(recs))
	}
	if n > 0 && !recs[n-1].Final {
		t.Errorf("the last record is not a Final one")
	}
}
