package report

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Values reach the filters from two engines: Go templates pass the data
// model's own types, Jinja2 templates pass them through the engine's
// values (unwrapped by jinjaUnwrap first). The helpers here read numbers,
// lists and fields of either kind.

var (
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
)

// indirect follows pointers and interfaces; the result is invalid for nil.
func indirect(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// toFloat reads a number: any integer or float kind; a time.Duration reads
// as nanoseconds.
func toFloat(x any) (float64, bool) {
	v := indirect(reflect.ValueOf(x))
	if !v.IsValid() {
		return 0, false
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint()), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return 0, false
}

// isInteger reports whether x is of an integer kind (and not a Duration).
func isInteger(x any) bool {
	v := indirect(reflect.ValueOf(x))
	if !v.IsValid() || v.Type() == durationType {
		return false
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// mustFloat reads a number or says what it got.
func mustFloat(x any, what string) (float64, error) {
	f, ok := toFloat(x)
	if !ok {
		return 0, fmt.Errorf("%s: want a number, got %s", what, describe(x))
	}
	return f, nil
}

// toInt reads a whole number.
func toInt(x any, what string) (int, error) {
	f, err := mustFloat(x, what)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) {
		return 0, fmt.Errorf("%s: want a whole number, got %v", what, f)
	}
	return int(f), nil
}

// toDuration reads a duration: a time.Duration, or a number of
// nanoseconds.
func toDuration(x any, what string) (time.Duration, error) {
	if d, ok := x.(time.Duration); ok {
		return d, nil
	}
	f, err := mustFloat(x, what)
	if err != nil {
		return 0, err
	}
	return time.Duration(f), nil
}

// toString prints a value as text: strings as they are, numbers in Go's
// shortest form, times in UTC.
func toString(x any) string {
	switch v := x.(type) {
	case nil:
		return ""
	case string:
		return v
	case time.Time:
		return formatTime(v, "")
	case fmt.Stringer:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	rv := indirect(reflect.ValueOf(x))
	if !rv.IsValid() {
		return ""
	}
	return fmt.Sprint(rv.Interface())
}

// describe names a value's type for error messages.
func describe(x any) string {
	if x == nil {
		return "nothing (nil)"
	}
	return reflect.TypeOf(x).String()
}

// toList reads a list: any slice or array. A nil list is empty.
func toList(x any, what string) ([]any, error) {
	if x == nil {
		return nil, nil
	}
	v := indirect(reflect.ValueOf(x))
	if !v.IsValid() {
		return nil, nil
	}
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return nil, fmt.Errorf("%s: want a list, got %s", what, describe(x))
	}
	out := make([]any, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface()
	}
	return out, nil
}

// typedList returns items as a slice of their common type when they have
// one ([]*Run for runs), so that templates keep the data model's types;
// otherwise as []any.
func typedList(items []any) any {
	if len(items) == 0 {
		return items
	}
	t := reflect.TypeOf(items[0])
	if t == nil {
		return items
	}
	for _, it := range items[1:] {
		if reflect.TypeOf(it) != t {
			return items
		}
	}
	s := reflect.MakeSlice(reflect.SliceOf(t), len(items), len(items))
	for i, it := range items {
		s.Index(i).Set(reflect.ValueOf(it))
	}
	return s.Interface()
}

// fieldIndex maps a struct type's field names, Go and JSON, to their index.
var fieldIndex sync.Map // reflect.Type -> map[string]int

func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fieldIndex.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		m[f.Name] = i
		if name := jsonName(f); name != "" {
			m[name] = i
		}
	}
	fieldIndex.Store(t, m)
	return m
}

// jsonName is a field's JSON name; "" when it has none of its own.
func jsonName(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if tag == "-" {
		return ""
	}
	return tag
}

// jsonFieldsOf maps a struct type's JSON names (Go names when a field has
// no JSON name) to field indexes: what Jinja2 templates see.
var jsonFieldIndex sync.Map

func jsonFieldsOf(t reflect.Type) map[string]int {
	if m, ok := jsonFieldIndex.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" {
			continue
		}
		name := jsonName(f)
		if name == "" {
			name = f.Name
		}
		m[name] = i
	}
	jsonFieldIndex.Store(t, m)
	return m
}

// lookup reads one field of x by Go or JSON name, or one key of a map. ok
// is false when x has no such field; a nil pointer on the way reads as
// nil.
func lookup(x any, name string) (any, bool) {
	v := indirect(reflect.ValueOf(x))
	if !v.IsValid() {
		return nil, true
	}
	switch v.Kind() {
	case reflect.Struct:
		i, ok := fieldsOf(v.Type())[name]
		if !ok {
			return nil, false
		}
		return v.Field(i).Interface(), true
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		e := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key()))
		if !e.IsValid() {
			return nil, true // a missing key is missing, not ""
		}
		return e.Interface(), true
	}
	return nil, false
}

// path reads a dotted path of fields ("Result.Value", "labels.point").
func path(x any, p string) (any, error) {
	if p == "" || p == "." {
		return x, nil
	}
	cur := x
	for _, part := range strings.Split(p, ".") {
		next, ok := lookup(cur, part)
		if !ok {
			return nil, fmt.Errorf("%s has no field %q", describe(cur), part)
		}
		cur = next
	}
	return cur, nil
}

// compare orders two values of a sort key: numbers, strings, times and
// booleans by value; nil and NaN after everything else.
func compare(a, b any) int {
	an, bn := isNothing(a), isNothing(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	if af, ok := toFloat(a); ok {
		if bf, ok := toFloat(b); ok {
			switch {
			case math.IsNaN(af) && math.IsNaN(bf):
				return 0
			case math.IsNaN(af):
				return 1
			case math.IsNaN(bf):
				return -1
			case af < bf:
				return -1
			case af > bf:
				return 1
			}
			return 0
		}
	}
	if at, ok := a.(time.Time); ok {
		if bt, ok := b.(time.Time); ok {
			return at.Compare(bt)
		}
	}
	if ab, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			switch {
			case ab == bb:
				return 0
			case !ab:
				return -1
			}
			return 1
		}
	}
	return strings.Compare(toString(a), toString(b))
}

// isNothing reports whether a sort key is missing: nil or a nil pointer.
func isNothing(x any) bool {
	return !indirect(reflect.ValueOf(x)).IsValid()
}

// missing reports whether a sort key has no value to order by: nothing,
// or a NaN.
func missing(x any) bool {
	if isNothing(x) {
		return true
	}
	f, ok := toFloat(x)
	return ok && math.IsNaN(f)
}
