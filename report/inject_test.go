package report

import (
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
	"time"

	"nperf/result"
	"nperf/stats"
)

// Hostile text: what a peer, a host name, a label or an error message
// could carry, aimed at each output format.
const (
	htmlPayload  = `<script>console.log("xss-1")</script>"><img src=x onerror=console.log("xss-2")><iframe src=javascript:alert(3)>`
	latexPayload = `\input{/etc/passwd}\write18{rm -rf /}$\pi$ 50% {}#_&~^`
	csvPayload   = `=HYPERLINK("http://evil.example/","click")`
	mdPayload    = "| x | [link](javascript:alert(1)) *b* `c`\nnext line"
)

func hostileData() *Data {
	at := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	h := stats.NewHistogram()
	for i := range 100 {
		h.Record(time.Duration(20000 + 100*i))
	}
	labels := map[string]string{"profile": "p", "test": htmlPayload, "note": latexPayload, "sheet": csvPayload, "md": mdPayload}
	var recs []*result.Record
	for inst := range 2 {
		for seq := range 3 {
			recs = append(recs, &result.Record{Run: "r1", Test: "TCP_RR", Instance: inst, Host: htmlPayload, Peer: csvPayload,
				Seq: seq, Start: at.Add(time.Duration(seq) * time.Second), Elapsed: time.Second,
				BytesSent: 100, BytesRecv: 100, Transactions: 100, Labels: labels})
		}
		f := &result.Record{Run: "r1", Test: "TCP_RR", Instance: inst, Host: htmlPayload, Peer: csvPayload, Seq: 3,
			Start: at, Elapsed: 3 * time.Second, Final: true, BytesSent: 300, BytesRecv: 300, Transactions: 300,
			Latency: h, Labels: labels}
		if inst == 1 {
			f.Err = &result.Error{Kind: "+data", Message: htmlPayload + latexPayload + csvPayload + mdPayload}
		}
		recs = append(recs, f)
	}
	recs = append(recs, &result.Record{Run: "r1", Test: "TCP_RR", Instance: -1, Final: true, Start: at, Elapsed: 3 * time.Second,
		BytesSent: 300, BytesRecv: 300, Transactions: 300, Latency: h, Labels: labels,
		Aggregate: &result.Aggregate{Instances: 2, Valid: 1, Warnings: []string{htmlPayload}}})
	hdr := &result.Header{Tool: "nperf", Hostname: htmlPayload, Kernel: latexPayload, CommandLine: []string{csvPayload, mdPayload}}
	exp := &Expectations{Profile: htmlPayload, Source: latexPayload, Verdicts: []*Verdict{{Name: htmlPayload,
		Expectation: latexPayload, Status: StatusFail, MeasuredText: csvPayload, Labels: map[string]string{"profile": "p"}}}}
	return Build([]*Input{{Name: mdPayload, Headers: []*result.Header{hdr}, Records: recs}},
		Options{Title: htmlPayload + latexPayload, GeneratedAt: at, Version: "t", Expectations: exp})
}

func renderBuiltin(t *testing.T, name string, d *Data) string {
	t.Helper()
	tmpl, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return render(t, tmpl, d)
}

func TestInjectionHTML(t *testing.T) {
	out := renderBuiltin(t, "html-report", hostileData())
	for _, bad := range []string{"<script", "<img", "<iframe"} {
		if strings.Contains(out, bad) {
			t.Errorf("html-report contains the element %q", bad)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;console.log(&#34;xss-1&#34;)&lt;/script&gt;") {
		t.Errorf("hostile text not escaped as text")
	}
	// Nothing is fetched: no script, stylesheet, image or frame, and the
	// only URL is the SVG namespace.
	for _, m := range regexp.MustCompile(`https?://[^"\s<]+`).FindAllString(renderBuiltin(t, "html-report", fixtureData(t)), -1) {
		if m != "http://www.w3.org/2000/svg" {
			t.Errorf("html-report refers to %s", m)
		}
	}
}

// A Jinja2 template that writes HTML (.html.j2) autoescapes.
func TestInjectionJinjaHTML(t *testing.T) {
	tmpl, err := Parse("page.html.j2", []byte(`<p title="{{ runs[0].instances[0].host }}">{{ runs[0].instances[1].error.message }}</p>`))
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, tmpl, hostileData())
	if strings.Contains(out, "<script") || strings.Contains(out, "<img") || strings.Count(out, `"`) != 2 {
		t.Errorf("jinja2 html not escaped: %s", out)
	}
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Errorf("jinja2 html: hostile text missing: %s", out)
	}
}

func TestInjectionLaTeX(t *testing.T) {
	out := renderBuiltin(t, "latex-table", hostileData())
	for _, bad := range []string{`\input`, `\write18`, `$\pi$`, "50% "} {
		if strings.Contains(out, bad) {
			t.Errorf("latex-table contains %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, `\textbackslash{}input\{/etc/passwd\}`) {
		t.Errorf("latex-table: hostile text not escaped:\n%s", out)
	}
	// Every row of the table has its 8 columns: no & or \\ leaked.
	unescapedAmp := regexp.MustCompile(`(^|[^\\])&`)
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(line, `\midrule`):
			in = true
			continue
		case strings.Contains(line, `\bottomrule`):
			in = false
		}
		if in && len(unescapedAmp.FindAllString(line, -1)) != 7 {
			t.Errorf("latex row does not have 8 columns: %s", line)
		}
		if in && strings.Count(line, `\\`) != 1 {
			t.Errorf("latex row ends more than once: %s", line)
		}
	}
}

func TestInjectionCSV(t *testing.T) {
	out := renderBuiltin(t, "csv-export", hostileData())
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv-export does not parse: %v\n%s", err, out)
	}
	if len(rows) != 4 { // header, two instances, the aggregate
		t.Fatalf("%d rows, want 4", len(rows))
	}
	head := rows[0]
	found := false
	for _, row := range rows[1:] {
		if len(row) != len(head) {
			t.Errorf("row of %d cells, header has %d", len(row), len(head))
		}
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s starts with a formula character: %q", head[i], cell)
			}
			if cell == "'"+csvPayload {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the hostile peer is not in a cell of its own, guarded")
	}
}

func TestInjectionMarkdown(t *testing.T) {
	out := renderBuiltin(t, "markdown-report", hostileData())
	// Markup Markdown would act on keeps its backslash: no tag, no link,
	// no emphasis or code span starts, and no line break splits a row.
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(^|[^\\])<[a-z/]`),
		regexp.MustCompile(`(^|[^\\])\]\(`),
		regexp.MustCompile("(^|[^\\\\])`"),
		regexp.MustCompile(`(^|[^\\])\*b`),
		regexp.MustCompile(`(?m)^next line`),
	} {
		if m := bad.FindString(out); m != "" {
			t.Errorf("markdown-report has unescaped %q", m)
		}
	}
	if !strings.Contains(out, `\<script\>`) {
		t.Errorf("markdown-report: hostile text missing")
	}
	// Table rows keep their columns: every | in text is escaped.
	cells := regexp.MustCompile(`(^|[^\\])\|`)
	var cols int
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(cells.FindAllString(line, -1))
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("markdown row has %d cell borders, its table %d: %s", n, cols, line)
		}
	}
}
