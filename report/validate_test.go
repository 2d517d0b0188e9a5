package report

import (
	"os"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []string // "line:col: message part", in order; none = valid
	}{
		{"go valid", "a.md.tmpl", "{{range .Runs}}{{.ID}} {{.Result.Value | format_number 1}}{{end}}", nil},
		{"go syntax", "a.md.tmpl", "x\n{{range .Runs}}\n  {{ .ID }\n{{end}}\n", []string{`3:3: unexpected "}" in operand`}},
		{"go unclosed action", "a.md.tmpl", "x\n\n  ok {{ .Title\n", []string{"3:6: unclosed action"}},
		{"go missing end", "a.md.tmpl", "x\n  {{if .Runs}}\n{{range .Runs}}{{end}}\n", []string{"2:3: {{if}} has no {{end}}"}},
		{"go stray end", "a.md.tmpl", "a {{ .Title }}\nb {{end}}\n", []string{"2:3: unexpected {{end}}"}},
		{"go unknown filter", "a.md.tmpl", "\n  {{ .Title | format_thruput }}", []string{`2:15: unknown filter or function "format_thruput" (did you mean "format_throughput"?)`}},
		{"go unknown field", "a.md.tmpl", "{{range .Groups}}\n{{.Summary.Meen}}{{end}}", []string{`2:11: unknown field "Meen" in Summary (did you mean "Mean"?)`}},
		{"go unknown top field", "a.md.tmpl", "{{.Rusn}}", []string{`1:3: unknown field "Rusn" in Data (did you mean "Runs"?)`}},
		{"go field through filter", "a.md.tmpl", `{{range sort_by "-Result.Value" .Runs}}{{.Nope}}{{end}}`, []string{`1:42: unknown field "Nope" in Run`}},
		{"go field through variable", "a.md.tmpl", `{{range $i, $r := .Runs}}{{$r.Aggregate.Windw}}{{end}}`, []string{`1:40: unknown field "Windw" in Aggregate (did you mean "Window"?)`}},
		{"go field in define", "a.md.tmpl", `{{define "x"}}{{.Bad}}{{end}}{{template "x" .Tests}}{{range .Tests}}{{template "x" .}}{{end}}`, []string{`1:17: unknown field "Bad" in []*Test`, `1:17: unknown field "Bad" in Test`}},
		{"go map key", "a.md.tmpl", `{{range .Runs}}{{.Labels.anything}}{{end}}`, nil},
		{"go method", "a.md.tmpl", `{{.GeneratedAt.Format "2006"}}`, nil},
		{"go unknown below any", "a.md.tmpl", `{{range group_by "Test" .Runs}}{{range .Items}}{{.Whatever}}{{end}}{{end}}`, nil},
		{"go both", "a.md.tmpl", "{{.Nope | nofilter}}", []string{`1:3: unknown field "Nope"`, `1:11: unknown filter or function "nofilter"`}},
		{"go arity", "a.md.tmpl", "{{ .Level | format_percent 2 3 }} {{ format_value .Level }}", []string{
			`1:13: format_percent: takes at most 1 argument besides the value, got 2 (usage: format_percent(fraction [, decimals]))`,
			`1:38: format_value: takes 1 argument besides the value, got 0`}},
		{"jinja arity", "a.md.j2", "{{ confidence_level | format_percent(2, 3) }}{{ runs | sort_by }}", []string{
			`1:23: format_percent: takes at most 1 argument besides the value, got 2`,
			`1:56: sort_by: takes 1 to 2 arguments besides the value, got 0`}},
		{"html syntax", "a.html", "<p>{{ .Title </p>", []string{`1:4: unexpected "<" in operand`}},
		{"jinja valid", "a.md.j2", "{% for r in runs %}{{ r.id }} {{ r.result.value | format_number(1) }}{% endfor %}", nil},
		{"jinja syntax", "a.md.j2", "x\n{% for r in runs %}\n  {{ r.id | }}\n{% endfor %}\n", []string{"3:13: filter name must be an identifier"}},
		{"jinja unclosed", "a.md.j2", "x\n{% for r in runs %}{{ r.id }}", []string{"2:1: {% for %} is not closed (Unexpected EOF, expected tag else or endfor.)"}},
		{"jinja unknown filter", "a.md.j2", "\n  {{ title | format_thruput }}", []string{`2:14: unknown filter "format_thruput" (did you mean "format_throughput"?)`}},
		{"jinja unknown filter in block", "a.md.j2", "{% set x = runs | nosuch %}{{ x }}", []string{`1:19: unknown filter "nosuch"`}},
		{"jinja unknown field", "a.md.j2", "{% for g in groups %}\n{{ g.summary.meen }}{% endfor %}", []string{`2:13: unknown field "meen" in Summary (did you mean "mean"?)`}},
		{"jinja go name is not a jinja name", "a.md.j2", "{{ runs[0].Result }}", []string{`1:11: unknown field "Result" in Run (did you mean "result"?)`}},
		{"jinja unknown variable", "a.md.j2", "{{ rusn }}", []string{`1:4: unknown variable "rusn" (did you mean "runs"?)`}},
		{"jinja set variable", "a.md.j2", "{% set best = runs | sort_by('-result.value') %}{{ best[0].id }}", nil},
		{"jinja loop over filter", "a.md.j2", "{% for r in runs | sort_by('id') %}{{ r.nope }}{% endfor %}", []string{`1:40: unknown field "nope" in Run`}},
		{"jinja map", "a.md.j2", "{% for k, v in runs[0].labels.items() %}{{ k }}={{ v }}{% endfor %}{{ runs[0].labels.point }}", nil},
		{"jinja macro", "a.md.j2", "{% macro row(r) %}{{ r.id }}{% endmacro %}{% for r in runs %}{{ row(r) }}{{ loop.index }}{% endfor %}", nil},
		{"jinja builtin filter", "a.md.j2", "{{ runs | length }} {{ title | upper }}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Validate(tt.file, []byte(tt.src))
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d problems, want %d: %v", len(errs), len(tt.want), errs)
			}
			for i, e := range errs {
				if e.File != tt.file {
					t.Errorf("problem in file %q, want %q", e.File, tt.file)
				}
				got := e.Error()
				if !strings.Contains(got, tt.want[i]) {
					t.Errorf("problem %d: %s, want %s", i, got, tt.want[i])
				}
			}
		})
	}
}

// A template that does not parse fails to load with the same positioned
// error, in either syntax.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ file, src, want string }{
		{"t.md.tmpl", "a\n{{ if }}", "t.md.tmpl:2:1: missing value for if"},
		{"t.md.j2", "a\n{% if %}{% endif %}", "t.md.j2:2:1: expected either a number"},
		{"t.md.tmpl", "{{ nofilter .Title }}", `t.md.tmpl:1:4: unknown filter or function "nofilter"`},
	} {
		_, err := Parse(tt.file, []byte(tt.src))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want %s...", tt.src, err, tt.want)
		}
	}
	if _, err := Load("no-such-template"); err == nil || !strings.Contains(err.Error(), "built-ins: csv-export") {
		t.Errorf("Load of an unknown name: %v", err)
	}
}

// FuzzValidate feeds the template checker and parser arbitrary text in both
// syntaxes: they report problems, never panic.
func FuzzValidate(f *testing.F) {
	for _, name := range Builtins() {
		src, _, _ := BuiltinSource(name)
		f.Add(string(src), false)
	}
	for _, file := range []string{"../examples/report-template.md.j2", "../examples/report-template.md.tmpl"} {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src), strings.HasSuffix(file, ".j2"))
	}
	f.Add("{{range .Runs}}{{.Nope | x}}", false)
	f.Add("{% for r in runs %}{{ r.x | y(1, k=2) }}{% endfor", true)
	f.Fuzz(func(t *testing.T, src string, jinja bool) {
		name := "f.md.tmpl"
		if jinja {
			name = "f.md.j2"
		}
		errs := Validate(name, []byte(src))
		for _, e := range errs {
			if e.Line < 1 || e.Col < 1 {
				t.Fatalf("problem without a position: %v", e)
			}
		}
		Parse(name, []byte(src))
	})
}
