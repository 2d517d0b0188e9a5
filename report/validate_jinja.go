package report

import (
	"fmt"
	"reflect"
	"sort"

	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// jinjaGlobals are names every Jinja2 template may use besides the data
// model: gonja's global functions and variables, and the names Jinja2
// defines inside loops, macros and calls.
var jinjaGlobals = []string{"cycler", "dict", "joiner", "lipsum", "namespace", "range", "_", "gettext",
	"ngettext", "gonja", "loop", "caller", "varargs", "kwargs", "self", "true", "false", "none",
	"True", "False", "None"}

// declaringTags are statements whose names are variables from then on.
var declaringTags = map[string]bool{"set": true, "with": true, "macro": true, "import": true,
	"from": true, "call": true, "for": true}

// validateJinja checks a Jinja2 template: syntax (gonja's parser), that
// every filter exists (from the tokens, so that filters in any statement
// are seen), and the fields read from the data model (from the syntax
// tree, where loops give variables their types).
func validateJinja(name string, src []byte, dir string, htmlOut bool) ErrorList {
	t, err := parseJinja(name, src, dir, htmlOut)
	if err != nil {
		if el, ok := err.(ErrorList); ok {
			return el
		}
		return ErrorList{{File: name, Line: 1, Col: 1, Msg: err.Error()}}
	}
	env := jinjaEnv()
	v := &jinjaChecker{name: name, declared: map[string]bool{}, top: map[string]reflect.Type{}}
	for n, i := range jsonFieldsOf(reflect.TypeFor[Data]()) {
		v.top[n] = reflect.TypeFor[Data]().Field(i).Type
	}
	for _, g := range jinjaGlobals {
		v.declared[g] = true
	}

	// Filters and declared names, from the tokens.
	stream := tokens.LexAll(string(src), jinjaConfig(htmlOut))
	var prev *tokens.Token
	var tag string // first word of the statement being read
	inBlock := false
	for !stream.End() {
		tok := stream.Next()
		switch tok.Type {
		case tokens.BlockBegin:
			inBlock, tag = true, ""
		case tokens.BlockEnd:
			inBlock = false
		case tokens.Name:
			isFilter := prev != nil && prev.Type == tokens.Pipe ||
				inBlock && tag == "filter" && prev != nil && prev.Type == tokens.Name && prev.Val == "filter"
			if isFilter && !env.Filters.Exists(tok.Val) {
				names := append(Filters(), builtinFilterNames()...)
				v.errs = append(v.errs, &Error{File: name, Line: tok.Line, Col: tok.Col,
					Msg: fmt.Sprintf("unknown filter %q%s", tok.Val, suggest(tok.Val, names))})
			}
			if inBlock && tag == "" {
				tag = tok.Val
			} else if inBlock && declaringTags[tag] {
				v.declared[tok.Val] = true
			}
		}
		prev = tok
	}

	root := t.Root()
	for n := range root.Macros {
		v.declared[n] = true
	}
	v.wrapperNodes(root.Nodes)
	for _, b := range root.Blocks {
		v.wrapperNodes(b.Nodes)
	}
	sortErrors(v.errs)
	return v.errs
}

func builtinFilterNames() []string {
	return []string{"abs", "attr", "batch", "capitalize", "center", "default", "d", "dictsort", "e", "escape",
		"filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join",
		"items", "last", "length", "count", "list", "lower", "map", "max", "min", "pprint", "random",
		"rejectattr", "reject", "replace", "reverse", "round", "safe", "selectattr", "select", "slice",
		"sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
		"urlencode", "urlize", "wordcount"}
}

// jinjaChecker follows types through a Jinja2 syntax tree. A nil type is
// unknown: nothing below it is checked.
type jinjaChecker struct {
	name     string
	top      map[string]reflect.Type // the data model's top-level names
	declared map[string]bool         // names set, imported or bound anywhere (type unknown)
	scope    []jinjaVar              // loop variables, innermost last
	errs     ErrorList
}

type jinjaVar struct {
	name string
	t    reflect.Type
}

func (v *jinjaChecker) errorAt(tok *tokens.Token, format string, args ...any) {
	line, col := 1, 1
	if tok != nil {
		line, col = tok.Line, tok.Col
	}
	v.errs = append(v.errs, &Error{File: v.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (v *jinjaChecker) wrapperNodes(ns []nodes.Node) {
	for _, n := range ns {
		v.node(n)
	}
}

func (v *jinjaChecker) wrapper(w *nodes.Wrapper) {
	if w != nil {
		v.wrapperNodes(w.Nodes)
	}
}

func (v *jinjaChecker) node(n nodes.Node) {
	switch n := n.(type) {
	case *nodes.Output:
		v.expr(n.Expression)
		v.expr(n.Condition)
		v.expr(n.Alternative)
	case *nodes.Wrapper:
		v.wrapper(n)
	case *nodes.ControlStructureBlock:
		v.statement(n.ControlStructure)
	}
}

func (v *jinjaChecker) statement(cs nodes.ControlStructure) {
	switch s := cs.(type) {
	case *controlStructures.ForControlStructure:
		t := v.expr(s.ObjectEvaluator)
		key, elem := rangeTypes(t)
		mark := len(v.scope)
		if s.Value != "" {
			v.scope = append(v.scope, jinjaVar{s.Key, key}, jinjaVar{s.Value, elem})
		} else {
			v.scope = append(v.scope, jinjaVar{s.Key, elem})
			if k := deref(t); k != nil && k.Kind() == reflect.Map {
				v.scope[len(v.scope)-1].t = k.Key()
			}
		}
		v.expr(s.IfCondition)
		v.wrapper(s.BodyWrapper)
		v.scope = v.scope[:mark]
		v.wrapper(s.EmptyWrapper)
	case *controlStructures.IfControlStructure:
		for _, c := range s.Conditions {
			v.expr(c)
		}
		for _, w := range s.Wrappers {
			v.wrapper(w)
		}
	case *controlStructures.MacroControlStructure:
		if s.Macro != nil {
			for _, p := range s.Macro.Kwargs {
				v.expr(p.Value)
			}
			v.wrapper(s.Macro.Wrapper)
		}
	case *controlStructures.CallControlStructure:
		if s.Call != nil {
			v.expr(s.Call)
		}
		v.wrapper(s.Body)
	case *controlStructures.DoControlStructure:
		v.expr(s.Expression)
	case *controlStructures.AutoescapeControlStructure:
		v.wrapper(s.Wrapper)
	}
}

func (v *jinjaChecker) lookup(name string) (reflect.Type, bool) {
	for i := len(v.scope) - 1; i >= 0; i-- {
		if v.scope[i].name == name {
			return v.scope[i].t, true
		}
	}
	if t, ok := v.top[name]; ok {
		return t, true
	}
	return nil, v.declared[name]
}

// expr checks an expression and returns its type.
func (v *jinjaChecker) expr(e nodes.Node) reflect.Type {
	if e == nil || reflect.ValueOf(e).IsNil() {
		return nil
	}
	switch e := e.(type) {
	case *nodes.Name:
		t, ok := v.lookup(e.Name.Val)
		if !ok {
			names := make([]string, 0, len(v.top))
			for n := range v.top {
				names = append(names, n)
			}
			sort.Strings(names)
			v.errorAt(e.Name, "unknown variable %q%s", e.Name.Val, suggest(e.Name.Val, names))
		}
		return t
	case *nodes.GetAttribute:
		t := v.expr(e.Node)
		if e.Attribute == "" {
			_, elem := rangeTypes(t)
			return elem
		}
		return v.attr(t, e.Attribute, e.Location)
	case *nodes.GetItem:
		t := v.expr(e.Node)
		if s, ok := e.Arg.(*nodes.String); ok {
			return v.attr(t, s.Val, e.Location)
		}
		v.expr(e.Arg)
		_, elem := rangeTypes(t)
		return elem
	case *nodes.GetSlice:
		t := v.expr(e.Node)
		v.expr(e.Start)
		v.expr(e.End)
		v.expr(e.Step)
		return t
	case *nodes.FilteredExpression:
		t := v.expr(e.Expression)
		for _, f := range e.Filters {
			for _, a := range f.Args {
				v.expr(a)
			}
			if ours, ok := filterByName[f.Name]; ok && (len(f.Args) < ours.minArgs || len(f.Args) > ours.maxArgs) {
				v.errorAt(f.Token, "%s: %s", ours.name, ours.arityText(len(f.Args)))
			}
			for _, a := range f.Kwargs {
				v.expr(a)
			}
			t = jinjaFilterResult(f.Name, t)
		}
		return t
	case *nodes.Call:
		v.expr(e.Func)
		for _, a := range e.Args {
			v.expr(a)
		}
		for _, a := range e.Kwargs {
			v.expr(a)
		}
		return nil
	case *nodes.BinaryExpression:
		v.expr(e.Left)
		v.expr(e.Right)
		return nil
	case *nodes.UnaryExpression:
		return v.expr(e.Term)
	case *nodes.Negation:
		v.expr(e.Term)
		return boolType
	case *nodes.TestExpression:
		v.expr(e.Expression)
		if e.Test != nil {
			for _, a := range e.Test.Args {
				v.expr(a)
			}
		}
		return boolType
	case *nodes.List:
		for _, x := range e.Val {
			v.expr(x)
		}
	case *nodes.Tuple:
		for _, x := range e.Val {
			v.expr(x)
		}
	case *nodes.Dict:
		for _, p := range e.Pairs {
			v.expr(p.Key)
			v.expr(p.Value)
		}
	case *nodes.Pair:
		v.expr(e.Key)
		v.expr(e.Value)
	case *nodes.String:
		return stringType
	case *nodes.Integer:
		return intType
	case *nodes.Float:
		return float64Type
	case *nodes.Bool:
		return boolType
	}
	return nil
}

// jinjaFilterResult is what a filter returns given its input's type: ours
// say; of gonja's, those that keep the list's type or pick an element.
func jinjaFilterResult(name string, in reflect.Type) reflect.Type {
	if f, ok := filterByName[name]; ok {
		if f.ret == nil {
			return nil
		}
		return f.ret(in)
	}
	switch name {
	case "sort", "reverse", "list", "unique", "selectattr", "rejectattr", "select", "reject":
		if t := deref(in); t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			return in
		}
	case "first", "last", "random":
		_, elem := rangeTypes(in)
		return elem
	case "length", "count", "wordcount", "int":
		return intType
	case "string", "lower", "upper", "title", "trim", "escape", "e", "join", "format", "replace",
		"truncate", "capitalize", "center", "indent", "striptags", "tojson", "urlencode", "filesizeformat":
		return stringType
	}
	return nil
}

// attr is the type of attribute name of t, as Jinja2 templates see it (JSON
// names); an unknown attribute of a struct of the data model is an error.
func (v *jinjaChecker) attr(t reflect.Type, name string, at *tokens.Token) reflect.Type {
	if t == nil {
		return nil
	}
	b := deref(t)
	if b == nil {
		return nil
	}
	switch b.Kind() {
	case reflect.Struct:
		if jinjaPlain[b] {
			return nil
		}
		if i, ok := jsonFieldsOf(b)[name]; ok {
			return b.Field(i).Type
		}
		if m, ok := methodOf(t, name); ok && m.Type.NumOut() > 0 {
			return nil
		}
		names := make([]string, 0)
		for n := range jsonFieldsOf(b) {
			names = append(names, n)
		}
		sort.Strings(names)
		v.errorAt(at, "unknown field %q in %s%s", name, typeName(t), suggest(name, names))
		return nil
	case reflect.Map:
		return b.Elem()
	}
	// Methods of strings, lists and dicts (upper, items, ...).
	return nil
}
