package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"nperf/stats"
)

// Jinja2 templates run on gonja (github.com/nikolalohinski/gonja/v2), a
// maintained Jinja2 engine in Go. They see the data model by its JSON
// names: jinjaObject answers attribute lookups by JSON name, so that
// {{ run.result.throughput_bits_per_second }} reads
// Run.Result.ThroughputBitsPerSecond, and the filters get the data
// model's own values back (jinjaUnwrap).

// jinjaEnv is the environment of every Jinja2 template: gonja's filters,
// tests, statements and globals, plus ours (which win on a name clash).
var jinjaEnv = sync.OnceValue(func() *exec.Environment {
	fs := exec.NewFilterSet(map[string]exec.FilterFunction{})
	fs.Update(builtins.Filters)
	for _, f := range filters {
		if fs.Exists(f.name) {
			_ = fs.Replace(f.name, jinjaFilter(f))
		} else {
			_ = fs.Register(f.name, jinjaFilter(f))
		}
	}
	ctx := exec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables)
	return &exec.Environment{
		Context:           ctx,
		Filters:           fs,
		Tests:             builtins.Tests,
		ControlStructures: builtins.ControlStructures,
		Methods:           builtins.Methods,
	}
})

func jinjaConfig(htmlOut bool) *config.Config {
	c := config.New()
	c.AutoEscape = htmlOut
	c.KeepTrailingNewline = true
	return c
}

// parseJinja parses a Jinja2 template; includes resolve in dir.
func parseJinja(name string, src []byte, dir string, htmlOut bool) (*exec.Template, error) {
	if dir == "" {
		dir = "."
	}
	t, err := newJinjaTemplate(name, src, dir, htmlOut)
	if err != nil {
		var se *parser.SyntaxError
		if errors.As(err, &se) {
			e := &Error{File: name, Line: se.Line, Col: se.Column, Msg: se.Message}
			if strings.HasPrefix(se.Message, "Unexpected EOF, expected tag") {
				if tag, line, col, ok := unclosedJinjaTag(string(src), htmlOut); ok {
					e.Line, e.Col = line, col
					e.Msg = fmt.Sprintf("{%% %s %%} is not closed (%s)", tag, se.Message)
				}
			}
			if e.Line < 1 || e.Col < 1 {
				e.Line, e.Col = jinjaErrorTag(name, src, dir, htmlOut, se.Message)
			}
			return nil, ErrorList{e}
		}
		return nil, err
	}
	return t, nil
}

// newJinjaTemplate parses with gonja; a panic of the parser on malformed
// input becomes an error.
func newJinjaTemplate(name string, src []byte, dir string, htmlOut bool) (t *exec.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("jinja2 parser failed: %v", r)
		}
	}()
	fsl, err := loaders.NewFileSystemLoader(dir)
	if err != nil {
		return nil, err
	}
	loader, err := loaders.NewShiftedLoader(name, bytes.NewReader(src), fsl)
	if err != nil {
		return nil, err
	}
	return exec.NewTemplate(name, jinjaConfig(htmlOut), loader, jinjaEnv())
}

// jinjaBlockTags are statements that need an end tag.
var jinjaBlockTags = map[string]bool{"for": true, "if": true, "macro": true, "call": true, "filter": true,
	"with": true, "block": true, "autoescape": true, "raw": true}

// unclosedJinjaTag finds the innermost statement left open at the end of
// a template.
func unclosedJinjaTag(src string, htmlOut bool) (tag string, line, col int, ok bool) {
	type open struct {
		tag       string
		line, col int
	}
	var stack []open
	stream := tokens.LexAll(src, jinjaConfig(htmlOut))
	var begin *tokens.Token
	for !stream.End() {
		tok := stream.Next()
		switch {
		case tok.Type == tokens.BlockBegin:
			begin = tok
		case tok.Type == tokens.Name && begin != nil:
			switch {
			case jinjaBlockTags[tok.Val]:
				stack = append(stack, open{tok.Val, begin.Line, begin.Col})
			case strings.HasPrefix(tok.Val, "end") && len(stack) > 0:
				stack = stack[:len(stack)-1]
			}
			begin = nil
		default:
			begin = nil
		}
	}
	if len(stack) == 0 {
		return "", 0, 0, false
	}
	o := stack[len(stack)-1]
	return o.tag, o.line, o.col, true
}

// jinjaErrorTag places a syntax error the parser gave no position: at the
// first tag that, with the text before it, fails the same way.
func jinjaErrorTag(name string, src []byte, dir string, htmlOut bool, msg string) (line, col int) {
	stream := tokens.LexAll(string(src), jinjaConfig(htmlOut))
	var begin *tokens.Token
	for !stream.End() {
		tok := stream.Next()
		switch tok.Type {
		case tokens.BlockBegin, tokens.VariableBegin:
			begin = tok
		case tokens.BlockEnd, tokens.VariableEnd:
			if begin == nil {
				continue
			}
			end := tok.Pos + len(tok.Val)
			if end > len(src) {
				end = len(src)
			}
			_, err := newJinjaTemplate(name, src[:end], dir, htmlOut)
			var se *parser.SyntaxError
			if err != nil && errors.As(err, &se) && se.Message == msg {
				return begin.Line, begin.Col
			}
			begin = nil
		}
	}
	return 1, 1
}

// executeJinja renders with the data model's top-level fields as
// variables, by their JSON names.
func executeJinja(w io.Writer, t *exec.Template, d *Data) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("jinja2 engine failed: %v", r)
		}
	}()
	ctx := map[string]any{}
	v := reflect.ValueOf(d).Elem()
	for name, i := range jsonFieldsOf(v.Type()) {
		ctx[name] = jinjaWrap(v.Field(i))
	}
	return t.Execute(w, exec.NewContext(ctx))
}

// jinjaFilter adapts a filter to gonja.
func jinjaFilter(f *filter) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		args := make([]any, 0, len(params.Args))
		for _, a := range params.Args {
			args = append(args, jinjaUnwrap(valueOf(a)))
		}
		kw := map[string]any{}
		for k, a := range params.KwArgs {
			kw[k] = jinjaUnwrap(valueOf(a))
		}
		out, err := f.call(jinjaUnwrap(valueOf(in)), args, kw)
		if err != nil {
			return exec.AsValue(err)
		}
		return exec.AsValue(jinjaWrap(reflect.ValueOf(out)))
	}
}

func valueOf(v *exec.Value) any {
	if v == nil || v.IsNil() {
		return nil
	}
	return v.Interface()
}

// jinjaObject shows a struct of the data model to gonja by JSON names.
type jinjaObject struct {
	v    reflect.Value // the struct
	orig any           // the value as the data model holds it (often a pointer)
}

// GetAttribute reads a field by its JSON name (gonja's interface).
func (o jinjaObject) GetAttribute(name string) (*exec.Value, bool) {
	i, ok := jsonFieldsOf(o.v.Type())[name]
	if !ok {
		return exec.AsValue(nil), false
	}
	return exec.AsValue(jinjaWrap(o.v.Field(i))), true
}

// GetItem reads obj["name"] as obj.name (gonja's interface).
func (o jinjaObject) GetItem(key any) (*exec.Value, bool) {
	s, ok := key.(string)
	if !ok {
		return exec.AsValue(nil), false
	}
	return o.GetAttribute(s)
}

// jinjaPlain are struct types gonja handles as they are.
var jinjaPlain = map[reflect.Type]bool{
	timeType:                           true,
	reflect.TypeFor[stats.Histogram](): true,
}

// jinjaWrap prepares a value of the data model for gonja: structs become
// jinjaObjects, lists of them lists of jinjaObjects.
func jinjaWrap(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	orig := v.Interface()
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if jinjaPlain[v.Type()] {
			return v.Interface()
		}
		return jinjaObject{v: v, orig: orig}
	case reflect.Slice, reflect.Array:
		if k := v.Type().Elem().Kind(); k != reflect.Pointer && k != reflect.Struct && k != reflect.Interface {
			return v.Interface()
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jinjaWrap(v.Index(i))
		}
		return out
	case reflect.Map:
		if k := v.Type().Elem().Kind(); k != reflect.Pointer && k != reflect.Struct && k != reflect.Interface {
			return v.Interface()
		}
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[toString(k.Interface())] = jinjaWrap(v.MapIndex(k))
		}
		return out
	}
	if v.Type() == durationType {
		return time.Duration(v.Int())
	}
	return v.Interface()
}

// jinjaUnwrap gives a filter the data model's own values back.
func jinjaUnwrap(x any) any {
	switch v := x.(type) {
	case jinjaObject:
		return v.orig
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jinjaUnwrap(e)
		}
		return typedList(out)
	case *exec.Value:
		return jinjaUnwrap(valueOf(v))
	}
	return x
}
