package report

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template/parse"
)

// Validate checks a template without rendering it: its syntax, that every
// filter and function it calls exists, and that every field it reads
// exists in the data model. name is the template's file name (it decides
// the syntax). Every problem carries line and column; nil means none.
//
// Fields are checked where their type is known: from the data model's
// top level down through fields, loops and filters. Below a value of
// unknown type (a variable set from an expression, an item of group_by)
// nothing is checked.
func Validate(name string, src []byte) ErrorList {
	syntax, htmlOut := SyntaxOf(name)
	if syntax == SyntaxJinja {
		return validateJinja(name, src, filepath.Dir(name), htmlOut)
	}
	s := string(src)
	trees, err := goParse(name, s)
	if err != nil {
		return ErrorList{goSyntaxError(name, s, err)}
	}
	c := &goChecker{name: name, src: s, trees: trees, seen: map[string]bool{}}
	c.errs = goSyntax(name, s)
	c.check()
	sortErrors(c.errs)
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// goBuiltinFuncs are text/template's own functions and what they return
// (nil: it depends).
var goBuiltinFuncs = map[string]reflect.Type{
	"and": nil, "or": nil, "call": nil, "index": nil, "slice": nil,
	"not": boolType, "eq": boolType, "ne": boolType, "lt": boolType, "le": boolType, "gt": boolType, "ge": boolType,
	"len": intType, "print": stringType, "printf": stringType, "println": stringType,
	"html": stringType, "js": stringType, "urlquery": stringType,
}

var (
	boolType = reflect.TypeFor[bool]()
	intType  = reflect.TypeFor[int]()
	dataType = reflect.TypeFor[*Data]()
)

// goParse parses a Go template without checking function names.
func goParse(name, src string) (map[string]*parse.Tree, error) {
	t := parse.New(name)
	t.Mode = parse.SkipFuncCheck | parse.ParseComments
	trees := map[string]*parse.Tree{}
	_, err := t.Parse(src, "", "", trees)
	return trees, err
}

// goSyntax returns the syntax errors of a Go template and its calls of
// functions that do not exist, with line and column.
func goSyntax(name, src string) ErrorList {
	trees, err := goParse(name, src)
	if err != nil {
		return ErrorList{goSyntaxError(name, src, err)}
	}
	var errs ErrorList
	names := sortedTrees(trees)
	for _, tn := range names {
		walkGo(trees[tn].Root, func(n parse.Node) {
			id, ok := n.(*parse.IdentifierNode)
			if !ok {
				return
			}
			if _, ok := goBuiltinFuncs[id.Ident]; ok {
				return
			}
			if _, ok := filterByName[id.Ident]; ok {
				return
			}
			line, col := position(src, int(id.Pos))
			errs = append(errs, &Error{File: name, Line: line, Col: col,
				Msg: fmt.Sprintf("unknown filter or function %q%s", id.Ident, suggest(id.Ident, allGoFuncs()))})
		})
	}
	sortErrors(errs)
	return errs
}

func sortedTrees(trees map[string]*parse.Tree) []string {
	names := make([]string, 0, len(trees))
	for n := range trees {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func sortErrors(errs ErrorList) {
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return errs[i].Col < errs[j].Col
	})
}

func allGoFuncs() []string {
	names := Filters()
	for n := range goBuiltinFuncs {
		names = append(names, n)
	}
	return names
}

// walkGo calls f on every node of a Go template tree.
func walkGo(n parse.Node, f func(parse.Node)) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	f(n)
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			walkGo(c, f)
		}
	case *parse.ActionNode:
		walkGo(n.Pipe, f)
	case *parse.PipeNode:
		for _, d := range n.Decl {
			walkGo(d, f)
		}
		for _, c := range n.Cmds {
			walkGo(c, f)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkGo(a, f)
		}
	case *parse.ChainNode:
		walkGo(n.Node, f)
	case *parse.IfNode:
		walkGo(n.Pipe, f)
		walkGo(n.List, f)
		walkGo(n.ElseList, f)
	case *parse.RangeNode:
		walkGo(n.Pipe, f)
		walkGo(n.List, f)
		walkGo(n.ElseList, f)
	case *parse.WithNode:
		walkGo(n.Pipe, f)
		walkGo(n.List, f)
		walkGo(n.ElseList, f)
	case *parse.TemplateNode:
		walkGo(n.Pipe, f)
	}
}

var goErrRE = regexp.MustCompile(`^template: (.*?):(\d+): (.*)$`)

// goSyntaxError places a Go template parse error. text/template reports
// only a line; the column is that of the action the error is in: the
// first action on that line whose text, with everything before it, no
// longer parses. An unexpected end of file is placed at the block left
// open.
func goSyntaxError(name, src string, err error) *Error {
	msg := err.Error()
	line := 1
	if m := goErrRE.FindStringSubmatch(msg); m != nil && strings.HasSuffix(m[1], name) {
		line, _ = strconv.Atoi(m[2])
		msg = m[3]
	}
	acts := scanActions(src)
	if strings.Contains(msg, "unexpected EOF") {
		var open []action
		for _, a := range acts {
			switch a.keyword() {
			case "if", "range", "with", "define", "block":
				open = append(open, a)
			case "end":
				if len(open) > 0 {
					open = open[:len(open)-1]
				}
			}
		}
		if len(open) > 0 {
			a := open[len(open)-1]
			l, c := position(src, a.start)
			return &Error{File: name, Line: l, Col: c, Msg: fmt.Sprintf("{{%s}} has no {{end}} (unexpected end of template)", a.keyword())}
		}
	}
	for _, a := range acts {
		l0, _ := position(src, a.start)
		l1, _ := position(src, a.end)
		if line < l0 || line > l1 {
			continue
		}
		if _, perr := goParse(name, src[:a.end]); perr != nil && !strings.Contains(perr.Error(), "unexpected EOF") {
			l, c := position(src, a.start)
			return &Error{File: name, Line: l, Col: c, Msg: msg}
		}
	}
	return &Error{File: name, Line: line, Col: 1, Msg: msg}
}

// An action is one {{ ... }} of a Go template: byte offsets of its "{{"
// and just after its "}}" (the end of the text when it is not closed).
type action struct {
	start, end int
	text       string // between the delimiters, trim markers and spaces removed
}

// keyword is the action's first word: if, range, end, ...
func (a action) keyword() string {
	f := strings.Fields(a.text)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// scanActions finds every action, skipping quoted strings and comments.
func scanActions(src string) []action {
	var out []action
	i := 0
	for {
		j := strings.Index(src[i:], "{{")
		if j < 0 {
			return out
		}
		start := i + j
		k := start + 2
		end := -1
		body := strings.TrimLeft(strings.TrimPrefix(src[k:], "-"), " \t\r\n")
		if strings.HasPrefix(body, "/*") {
			if c := strings.Index(src[k:], "*/"); c >= 0 {
				if e := strings.Index(src[k+c:], "}}"); e >= 0 {
					end = k + c + e + 2
				}
			}
		} else {
			var quote byte
			for p := k; p < len(src); p++ {
				ch := src[p]
				switch {
				case quote != 0:
					if ch == '\\' && quote != '`' {
						p++
					} else if ch == quote {
						quote = 0
					}
				case ch == '"' || ch == '`' || ch == '\'':
					quote = ch
				case ch == '}' && p+1 < len(src) && src[p+1] == '}':
					end = p + 2
				}
				if end >= 0 {
					break
				}
			}
		}
		if end < 0 {
			out = append(out, action{start: start, end: len(src), text: src[k:]})
			return out
		}
		inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(src[k:end-2], "-"), "-"))
		out = append(out, action{start: start, end: end, text: inner})
		i = end
	}
}

// suggest proposes the closest name: ` (did you mean "x"?)`.
func suggest(name string, names []string) string {
	best, bestD := "", 1<<30
	for _, n := range names {
		d := editDistance(strings.ToLower(name), strings.ToLower(n))
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" && bestD <= max(2, len(name)/3) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// goChecker follows the types of a Go template's values through the data
// model and reports fields that do not exist. A nil reflect.Type is a
// value of unknown type, below which nothing is checked.
type goChecker struct {
	name  string
	src   string
	trees map[string]*parse.Tree
	seen  map[string]bool // template name + dot type already checked
	vars  []goVar
	errs  ErrorList
}

type goVar struct {
	name string
	t    reflect.Type
}

func (c *goChecker) check() {
	main := c.trees[c.name]
	if main != nil {
		c.template(c.name, dataType)
	}
	for _, n := range sortedTrees(c.trees) {
		if !c.seenAny(n) {
			c.template(n, nil)
		}
	}
	sortErrors(c.errs)
}

func (c *goChecker) seenAny(name string) bool {
	for k := range c.seen {
		if strings.HasPrefix(k, name+"\x00") {
			return true
		}
	}
	return false
}

func typeKey(t reflect.Type) string {
	if t == nil {
		return "?"
	}
	return t.String()
}

func (c *goChecker) template(name string, dot reflect.Type) {
	key := name + "\x00" + typeKey(dot)
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	tr := c.trees[name]
	if tr == nil || tr.Root == nil {
		return
	}
	saved := c.vars
	c.vars = []goVar{{"$", dot}}
	c.list(tr.Root, dot)
	c.vars = saved
}

func (c *goChecker) errorf(pos parse.Pos, format string, args ...any) {
	line, col := position(c.src, int(pos))
	c.errs = append(c.errs, &Error{File: c.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (c *goChecker) list(l *parse.ListNode, dot reflect.Type) {
	if l == nil {
		return
	}
	mark := len(c.vars)
	for _, n := range l.Nodes {
		c.node(n, dot)
	}
	c.vars = c.vars[:mark]
}

func (c *goChecker) node(n parse.Node, dot reflect.Type) {
	switch n := n.(type) {
	case *parse.ActionNode:
		c.pipe(n.Pipe, dot, true)
	case *parse.IfNode:
		mark := len(c.vars)
		c.pipe(n.Pipe, dot, true)
		c.list(n.List, dot)
		c.list(n.ElseList, dot)
		c.vars = c.vars[:mark]
	case *parse.WithNode:
		mark := len(c.vars)
		t := c.pipe(n.Pipe, dot, true)
		c.list(n.List, t)
		c.list(n.ElseList, dot)
		c.vars = c.vars[:mark]
	case *parse.RangeNode:
		mark := len(c.vars)
		t := c.pipe(n.Pipe, dot, false)
		key, elem := rangeTypes(t)
		switch len(n.Pipe.Decl) {
		case 1:
			c.vars = append(c.vars, goVar{n.Pipe.Decl[0].Ident[0], elem})
		case 2:
			c.vars = append(c.vars, goVar{n.Pipe.Decl[0].Ident[0], key}, goVar{n.Pipe.Decl[1].Ident[0], elem})
		}
		c.list(n.List, elem)
		c.list(n.ElseList, dot)
		c.vars = c.vars[:mark]
	case *parse.TemplateNode:
		var t reflect.Type
		if n.Pipe != nil {
			t = c.pipe(n.Pipe, dot, true)
		}
		if c.trees[n.Name] == nil {
			c.errorf(n.Pos, "no template %q defined", n.Name)
			return
		}
		c.template(n.Name, t)
	}
}

// rangeTypes are the key and element types of ranging over t.
func rangeTypes(t reflect.Type) (key, elem reflect.Type) {
	t = deref(t)
	if t == nil {
		return nil, nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return intType, t.Elem()
	case reflect.Map:
		return t.Key(), t.Elem()
	case reflect.Chan:
		return nil, t.Elem()
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return t, t
	}
	return nil, nil
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Interface {
		return nil
	}
	return t
}

// pipe checks a pipeline and returns the type of its value; declare binds
// its variables to it (range binds its own).
func (c *goChecker) pipe(p *parse.PipeNode, dot reflect.Type, declare bool) reflect.Type {
	if p == nil {
		return nil
	}
	var t reflect.Type
	for i, cmd := range p.Cmds {
		t = c.command(cmd, dot, t, i > 0)
	}
	if declare {
		for _, d := range p.Decl {
			if p.IsAssign {
				continue
			}
			c.vars = append(c.vars, goVar{d.Ident[0], t})
		}
	}
	return t
}

func (c *goChecker) command(cmd *parse.CommandNode, dot, piped reflect.Type, hasPiped bool) reflect.Type {
	if len(cmd.Args) == 0 {
		return nil
	}
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		var last reflect.Type
		var argTypes []reflect.Type
		for _, a := range cmd.Args[1:] {
			last = c.arg(a, dot)
			argTypes = append(argTypes, last)
		}
		if hasPiped {
			last = piped
			argTypes = append(argTypes, piped)
		}
		if f, ok := filterByName[id.Ident]; ok {
			if n := len(argTypes) - 1; n < f.minArgs || n > f.maxArgs {
				if n < 0 {
					c.errorf(id.Pos, "%s: no value to filter (usage: %s)", f.name, f.usage)
				} else {
					c.errorf(id.Pos, "%s: %s", f.name, f.arityText(n))
				}
			}
		}
		return funcResult(id.Ident, argTypes, last)
	}
	for _, a := range cmd.Args[1:] {
		c.arg(a, dot)
	}
	return c.arg(cmd.Args[0], dot)
}

// funcResult is the type a function returns given its arguments' types.
func funcResult(name string, args []reflect.Type, last reflect.Type) reflect.Type {
	if f, ok := filterByName[name]; ok {
		if f.ret == nil {
			return nil
		}
		return f.ret(last)
	}
	switch name {
	case "index":
		if len(args) == 0 {
			return nil
		}
		t := args[0]
		for range args[1:] {
			_, t = rangeTypes(t)
		}
		return t
	case "slice":
		if len(args) > 0 {
			return args[0]
		}
		return nil
	}
	return goBuiltinFuncs[name]
}

func (c *goChecker) arg(n parse.Node, dot reflect.Type) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.fields(dot, n.Ident, n.Pos)
	case *parse.VariableNode:
		t, ok := c.lookupVar(n.Ident[0])
		if !ok {
			return nil // text/template's parser already refuses undefined variables
		}
		return c.fields(t, n.Ident[1:], n.Pos)
	case *parse.ChainNode:
		t := c.arg(n.Node, dot)
		return c.fields(t, n.Field, n.Pos)
	case *parse.PipeNode:
		mark := len(c.vars)
		t := c.pipe(n, dot, true)
		c.vars = c.vars[:mark]
		return t
	case *parse.StringNode:
		return stringType
	case *parse.BoolNode:
		return boolType
	case *parse.NumberNode:
		if n.IsInt {
			return intType
		}
		return float64Type
	}
	return nil
}

func (c *goChecker) lookupVar(name string) (reflect.Type, bool) {
	for i := len(c.vars) - 1; i >= 0; i-- {
		if c.vars[i].name == name {
			return c.vars[i].t, true
		}
	}
	return nil, false
}

// fields follows a chain of field names from t.
func (c *goChecker) fields(t reflect.Type, idents []string, pos parse.Pos) reflect.Type {
	for _, name := range idents {
		next, ok := goField(t, name)
		if !ok {
			c.errorf(c.fieldPos(pos, idents, name), "unknown field %q in %s%s", name, typeName(t), suggest(name, goFieldNames(t)))
			return nil
		}
		t = next
	}
	return t
}

// fieldPos finds ".name" of a chain of fields near the position the parser
// gives the chain, so that an error points at the field itself.
func (c *goChecker) fieldPos(pos parse.Pos, idents []string, name string) parse.Pos {
	span := len(idents)
	for _, id := range idents {
		span += len(id)
	}
	from := max(0, int(pos)-span-1)
	to := min(len(c.src), int(pos)+span+1)
	for i := from; i < to; {
		j := strings.Index(c.src[i:to], "."+name)
		if j < 0 {
			break
		}
		at := i + j
		end := at + 1 + len(name)
		if end >= len(c.src) || !isIdentByte(c.src[end]) {
			return parse.Pos(at)
		}
		i = at + 1
	}
	return pos
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func typeName(t reflect.Type) string {
	return strings.ReplaceAll(strings.TrimPrefix(t.String(), "*"), "report.", "")
}

// goField is the type of field or method name of t, as text/template
// resolves it; ok is false when t has neither.
func goField(t reflect.Type, name string) (reflect.Type, bool) {
	if t == nil {
		return nil, true
	}
	if m, ok := methodOf(t, name); ok {
		if m.Type.NumOut() == 0 {
			return nil, true
		}
		return m.Type.Out(0), true
	}
	b := deref(t)
	if b == nil {
		return nil, true
	}
	switch b.Kind() {
	case reflect.Struct:
		f, ok := b.FieldByName(name)
		if !ok || !f.IsExported() {
			return nil, false
		}
		return f.Type, true
	case reflect.Map:
		return b.Elem(), true
	}
	return nil, false
}

func methodOf(t reflect.Type, name string) (reflect.Method, bool) {
	if m, ok := t.MethodByName(name); ok {
		return m, true
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		return reflect.PointerTo(t).MethodByName(name)
	}
	return reflect.Method{}, false
}

func goFieldNames(t reflect.Type) []string {
	b := deref(t)
	if b == nil || b.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range b.NumField() {
		if b.Field(i).IsExported() {
			names = append(names, b.Field(i).Name)
		}
	}
	return slices.Sorted(slices.Values(names))
}
