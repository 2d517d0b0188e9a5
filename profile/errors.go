package profile

import (
	"fmt"
	"sort"
	"strings"
)

// A Pos is a place in a profile file. Line and Col count from 1; zero
// means unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

// String is "file:line:col", or less when the line or column is unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// An Error is one problem in a profile, at the place it was found.
type Error struct {
	Pos Pos
	Msg string
}

// Error is "file:line:col: reason", the form editors jump to.
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in one pass over a profile and the
// profiles it extends, sorted by file and position. Validation does not
// stop at the first problem, so that one run of 'nperf profile validate'
// shows them all.
type ErrorList []*Error

// Error joins the problems one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// errs collects problems while decoding, once each: an alias used many
// times reports its problem once.
type errs struct {
	list ErrorList
	seen map[Error]bool
}

// maxErrors bounds the problems reported for one profile.
const maxErrors = 100

func (e *errs) add(p Pos, format string, args ...any) {
	x := Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
	if e.seen == nil {
		e.seen = map[Error]bool{}
	}
	if e.seen[x] || len(e.list) > maxErrors {
		return
	}
	e.seen[x] = true
	if len(e.list) == maxErrors {
		x = Error{Pos: Pos{File: p.File}, Msg: "too many problems; fix these first"}
	}
	e.list = append(e.list, &x)
}

// err returns the collected problems, or nil.
func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	e.list.sort()
	return e.list
}

// suggest returns ` (did you mean "x"?)` when one of the known names is
// a likely typo of name, and a list of the known names otherwise.
func suggest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (want one of " + strings.Join(known, ", ") + ")"
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
