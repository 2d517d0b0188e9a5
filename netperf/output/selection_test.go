package output_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"nperf/netperf/output"
	"nperf/result"
)

// names renders a selection as "A,B;C" for comparison.
func names(sel output.Selection) string {
	blocks := make([]string, len(sel))
	for i, b := range sel {
		n := make([]string, len(b))
		for j, s := range b {
			n[j] = s.String()
		}
		blocks[i] = strings.Join(n, ",")
	}
	return strings.Join(blocks, ";")
}

func TestParseSelection(t *testing.T) {
	tests := []struct {
		list string
		want string // "" with err set
		err  string
	}{
		{list: "THROUGHPUT", want: "THROUGHPUT"},
		{list: "throughput,Throughput_Units", want: "THROUGHPUT,THROUGHPUT_UNITS"},
		{list: "THROUGHPUT THROUGHPUT_UNITS,,ELAPSED_TIME", want: "THROUGHPUT,THROUGHPUT_UNITS,ELAPSED_TIME"},
		{list: "THROUGHPUT,THROUGHPUT_UNITS;ELAPSED_TIME,PROTOCOL,DIRECTION", want: "THROUGHPUT,THROUGHPUT_UNITS;ELAPSED_TIME,PROTOCOL,DIRECTION"},
		{list: "A1;", err: `unknown output selector "A1"`},
		{list: "PROTOCOL;", want: "PROTOCOL"},
		{list: ";PROTOCOL;;DIRECTION", want: ";PROTOCOL;;DIRECTION"},
		{list: "PROTOCOL;DIRECTION;SOCKET_TYPE;THROUGHPUT;", want: "PROTOCOL;DIRECTION;SOCKET_TYPE;THROUGHPUT"},
		{list: "PROTOCOL,OUTPUT_END,DIRECTION;THROUGHPUT", want: "PROTOCOL;THROUGHPUT"},
		{list: "OUTPUT_NONE,COMMAND_LINE", want: "OUTPUT_NONE,COMMAND_LINE"},
		{list: "THROUGHPUT,THRUPUT", err: `unknown output selector "THRUPUT"`},
		{list: "A;B;C;D;E", err: "has 5 blocks; netperf prints at most 4"},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			sel, err := output.ParseSelection(tt.list)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %q, %v; want error containing %q", names(sel), err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(sel); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReadSelection(t *testing.T) {
	tests := []struct {
		name, file string
		want       string
		err        string
	}{
		{name: "names", file: "THROUGHPUT,THROUGHPUT_UNITS\nELAPSED_TIME\n", want: "THROUGHPUT,THROUGHPUT_UNITS;ELAPSED_TIME"},
		{name: "no_final_newline", file: "throughput,elapsed_time", want: "THROUGHPUT,ELAPSED_TIME"},
		{name: "header_texts", file: "Throughput Units,elapsed time (sec),Local Send Socket Size Final\n", want: "THROUGHPUT_UNITS,ELAPSED_TIME,LSS_SIZE_END"},
		// Header texts are not unique; the first selector with one wins, as in netperf.
		{name: "duplicate_header_text", file: "Remote OS Security Type\n", want: "REMOTE_SECURITY_TYPE_ID"},
		{name: "crlf_and_tabs", file: "THROUGHPUT,\tPROTOCOL\r\nDIRECTION\r\n", want: "THROUGHPUT,PROTOCOL;DIRECTION"},
		{name: "empty_entries_are_blank_columns", file: "THROUGHPUT,,PROTOCOL,\n\nDIRECTION\n", want: "THROUGHPUT,OUTPUT_NONE,PROTOCOL,OUTPUT_NONE;OUTPUT_NONE;DIRECTION"},
		{name: "spaces_kept", file: "THROUGHPUT, PROTOCOL\n", err: `sel.txt:1: unknown output selector " PROTOCOL"`},
		{name: "unknown_on_line_2", file: "THROUGHPUT\nPROTOCOL,Througput\n", err: `sel.txt:2: unknown output selector "Througput"`},
		{name: "five_lines", file: "A1\nPROTOCOL\nPROTOCOL\nPROTOCOL\nPROTOCOL\n", err: `sel.txt:1: unknown output selector "A1"`},
		{name: "fifth_line", file: "PROTOCOL\nPROTOCOL\nPROTOCOL\nPROTOCOL\nPROTOCOL\n", err: "sel.txt:5: netperf reads at most 4 lines"},
		{name: "blank_lines_after_four", file: "PROTOCOL\nPROTOCOL\nPROTOCOL\nPROTOCOL\n\n  \n", want: "PROTOCOL;PROTOCOL;PROTOCOL;PROTOCOL"},
		{name: "too_long", file: strings.Repeat("X", 81) + "\n", err: "longer than 80 characters"},
		{name: "empty_file", file: "", err: "sel.txt: no selectors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := output.ReadSelection(strings.NewReader(tt.file), "sel.txt")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %q, %v; want error containing %q", names(sel), err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(sel); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	files := map[string]string{"sel.txt": "THROUGHPUT\nPROTOCOL\n"}
	open := func(name string) (io.ReadCloser, error) {
		s, ok := files[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
	rr := &result.Spec{Test: "TCP_RR"}
	tests := []struct {
		arg  string
		want string
		err  string
	}{
		{arg: "", want: "LSS_SIZE_END,LSR_SIZE_END,RSR_SIZE_END,RSS_SIZE_END,REQUEST_SIZE,RESPONSE_SIZE,ELAPSED_TIME,THROUGHPUT,THROUGHPUT_UNITS"},
		{arg: "ALL", want: names(output.AllSelection())},
		{arg: "p99_latency", want: "P99_LATENCY"},
		{arg: "THROUGHPUT;PROTOCOL", want: "THROUGHPUT;PROTOCOL"},
		{arg: "sel.txt", want: "THROUGHPUT;PROTOCOL"},
		{arg: "THROUGHPUT,BOGUS", err: `unknown output selector "BOGUS"`},
		{arg: "nosuchfile", err: `output selection "nosuchfile" is not a selector, and not a readable selector file: open nosuchfile: file does not exist`},
		{arg: "?", err: "asks for the list of selectors"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			sel, err := output.Select(tt.arg, rr, open)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %q, %v; want error containing %q", names(sel), err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(sel); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	_, err := output.Select("nosuchfile", rr, open)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the file's error is not wrapped: %v", err)
	}
}

func TestDefaultSelection(t *testing.T) {
	const cpu = ",LOCAL_CPU_UTIL,LOCAL_CPU_PERCENT_USER,LOCAL_CPU_PERCENT_SYSTEM,LOCAL_CPU_PERCENT_IOWAIT,LOCAL_CPU_PERCENT_IRQ,LOCAL_CPU_PERCENT_SWINTR,LOCAL_CPU_METHOD," +
		"REMOTE_CPU_UTIL,REMOTE_CPU_PERCENT_USER,REMOTE_CPU_PERCENT_SYSTEM,REMOTE_CPU_PERCENT_IOWAIT,REMOTE_CPU_PERCENT_IRQ,REMOTE_CPU_PERCENT_SWINTR,REMOTE_CPU_METHOD,LOCAL_SD,REMOTE_SD,SD_UNITS"
	const tput = "ELAPSED_TIME,THROUGHPUT,THROUGHPUT_UNITS"
	tests := []struct {
		spec result.Spec
		want string
	}{
		{result.Spec{Test: "TCP_STREAM"}, "LSS_SIZE_END,RSR_SIZE_END,LOCAL_SEND_SIZE," + tput},
		{result.Spec{Test: "UDP_STREAM", LocalCPU: true}, "LSS_SIZE_END,RSR_SIZE_END,LOCAL_SEND_SIZE," + tput + cpu},
		{result.Spec{Test: "TCP_MAERTS", RemoteCPU: true}, "RSS_SIZE_END,LSR_SIZE_END,REMOTE_SEND_SIZE," + tput + cpu},
		{result.Spec{Test: "UDP_RR"}, "LSS_SIZE_END,LSR_SIZE_END,RSR_SIZE_END,RSS_SIZE_END,REQUEST_SIZE,RESPONSE_SIZE," + tput},
		{result.Spec{Test: "TCP_CRR", LocalCPU: true, RemoteCPU: true}, "LSS_SIZE_END,LSR_SIZE_END,RSR_SIZE_END,RSS_SIZE_END,REQUEST_SIZE,RESPONSE_SIZE," + tput + cpu},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Test, func(t *testing.T) {
			if got := names(output.DefaultSelection(&tt.spec)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestAllSelection(t *testing.T) {
	sel := output.AllSelection()
	var sizes []int
	for _, b := range sel {
		sizes = append(sizes, len(b))
	}
	if len(sel) != 4 || sizes[0] != 24 || sizes[1] != 29 || sizes[2] != 58 || sizes[3] != 62 {
		t.Fatalf("blocks of %v selectors, want [24 29 58 62]", sizes)
	}
	if sel[0][0].String() != "SOCKET_TYPE" || sel[3][61].String() != "COMMAND_LINE" {
		t.Errorf("all runs from %s to %s", sel[0][0], sel[3][61])
	}
}

func TestSelectorList(t *testing.T) {
	var csv, lines bytes.Buffer
	if err := output.SelectorList(&csv, true); err != nil {
		t.Fatal(err)
	}
	if err := output.SelectorList(&lines, false); err != nil {
		t.Fatal(err)
	}
	c := strings.Split(strings.TrimSuffix(csv.String(), "\n"), ",")
	l := strings.Split(strings.TrimSuffix(lines.String(), "\n"), "\n")
	if len(c) != 175 || strings.Join(c, "\n") != strings.Join(l, "\n") {
		t.Fatalf("%d names in the CSV list, %d in the other, or not the same", len(c), len(l))
	}
	if c[0] != "OUTPUT_NONE" || c[174] != "OUTPUT_END" {
		t.Errorf("list runs from %s to %s", c[0], c[174])
	}
}

func TestSelectorTitles(t *testing.T) {
	sel, err := output.ParseSelection("ELAPSED_TIME,OUTPUT_NONE,P50_LATENCY")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Elapsed", "Time", "(sec)"}, {" "}, {"50th", "Percentile", "Latency", "Microseconds"}}
	for i, s := range sel[0] {
		if got := strings.Join(s.Title(), "|"); got != strings.Join(want[i], "|") {
			t.Errorf("%s title %q, want %q", s, got, strings.Join(want[i], "|"))
		}
	}
	if got := output.Selector(-1).String(); got != "Selector(-1)" {
		t.Errorf("bad selector prints as %q", got)
	}
}
