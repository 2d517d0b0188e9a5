package report

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	texttemplate "text/template"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Syntax is a template language.
type Syntax int

// The template languages. The syntax follows from the template's file
// name (see SyntaxOf).
const (
	SyntaxText  Syntax = iota // Go text/template: Markdown, CSV, LaTeX, JSON, anything
	SyntaxHTML                // Go html/template: values escaped for their HTML context
	SyntaxJinja               // Jinja2 (.j2); autoescaped for HTML when named *.html.j2
)

func (s Syntax) String() string {
	switch s {
	case SyntaxHTML:
		return "go-html"
	case SyntaxJinja:
		return "jinja2"
	}
	return "go-text"
}

// SyntaxOf decides a template's language from its file name: .j2, .jinja
// and .jinja2 are Jinja2; .html, .htm, .gohtml and the same with .tmpl
// are html/template; anything else is text/template. htmlOut reports
// whether the output is HTML (a Jinja2 template then autoescapes).
func SyntaxOf(name string) (s Syntax, htmlOut bool) {
	base := strings.ToLower(filepath.Base(name))
	for _, ext := range []string{".j2", ".jinja2", ".jinja"} {
		if rest, ok := strings.CutSuffix(base, ext); ok {
			return SyntaxJinja, isHTMLName(rest)
		}
	}
	base = strings.TrimSuffix(base, ".tmpl")
	if isHTMLName(base) || strings.HasSuffix(base, ".gohtml") {
		return SyntaxHTML, true
	}
	return SyntaxText, false
}

func isHTMLName(n string) bool {
	return strings.HasSuffix(n, ".html") || strings.HasSuffix(n, ".htm")
}

// A Template is a parsed report template.
type Template struct {
	Name   string // as given: a built-in's name or a file name
	Syntax Syntax
	text   *texttemplate.Template
	html   *htmltemplate.Template
	jinja  *exec.Template
}

//go:embed templates
var builtinFS embed.FS

// builtinFiles maps each built-in template to its file in templates/.
var builtinFiles = map[string]string{
	"html-report":     "html-report.html.tmpl",
	"markdown-report": "markdown-report.md.tmpl",
	"csv-export":      "csv-export.csv.tmpl",
	"latex-table":     "latex-table.tex.tmpl",
	"json-summary":    "json-summary.json.tmpl",
}

// builtinSummaries says what each built-in is for.
var builtinSummaries = map[string]string{
	"html-report":     "one self-contained HTML file: tables, inline SVG charts, verdicts",
	"markdown-report": "Markdown tables of groups, runs, latency and verdicts",
	"csv-export":      "one CSV row per instance and per aggregate, values in base units",
	"latex-table":     "a paper-ready LaTeX table (booktabs) with confidence intervals",
	"json-summary":    "the whole data model, computed statistics included, as JSON",
}

// Builtins lists the built-in templates' names, sorted.
func Builtins() []string {
	names := make([]string, 0, len(builtinFiles))
	for n := range builtinFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// BuiltinSummary says what a built-in template is for.
func BuiltinSummary(name string) string { return builtinSummaries[name] }

// BuiltinSource returns a built-in template's source and its file name.
func BuiltinSource(name string) (src []byte, file string, err error) {
	f, ok := builtinFiles[name]
	if !ok {
		return nil, "", fmt.Errorf("no built-in template %q (built-ins: %s)", name, strings.Join(Builtins(), ", "))
	}
	src, err = builtinFS.ReadFile("templates/" + f)
	return src, f, err
}

// Builtin parses a built-in template.
func Builtin(name string) (*Template, error) {
	src, file, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	t, err := parseTemplate(name, file, src, "")
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Load finds a template: a built-in by name, else a file.
func Load(ref string) (*Template, error) {
	if _, ok := builtinFiles[ref]; ok {
		return Builtin(ref)
	}
	src, err := os.ReadFile(ref)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(ref, `/.\`) {
			return nil, fmt.Errorf("no built-in template or file %q (built-ins: %s)", ref, strings.Join(Builtins(), ", "))
		}
		return nil, err
	}
	return Parse(ref, src)
}

// Parse parses a template's source; name is its file name, which decides
// its syntax (SyntaxOf) and names it in errors. Jinja2 templates include
// and extend files relative to the template's directory. A syntax error
// is an ErrorList with line and column.
func Parse(name string, src []byte) (*Template, error) {
	return parseTemplate(name, name, src, filepath.Dir(name))
}

func parseTemplate(name, file string, src []byte, dir string) (*Template, error) {
	syntax, htmlOut := SyntaxOf(file)
	t := &Template{Name: name, Syntax: syntax}
	var err error
	switch syntax {
	case SyntaxJinja:
		t.jinja, err = parseJinja(name, src, dir, htmlOut)
	case SyntaxHTML:
		if el := goSyntax(name, string(src)); el != nil {
			return nil, el
		}
		t.html, err = htmltemplate.New(name).Option("missingkey=zero").Funcs(goFuncs()).Parse(string(src))
	default:
		if el := goSyntax(name, string(src)); el != nil {
			return nil, el
		}
		t.text, err = texttemplate.New(name).Option("missingkey=zero").Funcs(goFuncs()).Parse(string(src))
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Execute renders the template with d. Output goes to w only when the
// whole template rendered, so that a failure leaves no partial document.
func (t *Template) Execute(w io.Writer, d *Data) error {
	var buf bytes.Buffer
	var err error
	switch {
	case t.jinja != nil:
		err = executeJinja(&buf, t.jinja, d)
	case t.html != nil:
		err = t.html.Execute(&buf, d)
	default:
		err = t.text.Execute(&buf, d)
	}
	if err != nil {
		return fmt.Errorf("rendering %s: %w", t.Name, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// Render renders a template with d to w: t.Execute.
func Render(w io.Writer, t *Template, d *Data) error { return t.Execute(w, d) }

// goFuncs adapts every filter to Go's templates, where the filtered value
// comes last: {{ .X | format_latency "us" }} calls format_latency(x, "us").
func goFuncs() map[string]any {
	m := map[string]any{}
	for _, f := range filters {
		m[f.name] = func(args ...any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("%s: no value to filter", f.name)
			}
			return f.call(args[len(args)-1], args[:len(args)-1], nil)
		}
	}
	return m
}
