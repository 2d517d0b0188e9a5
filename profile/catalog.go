package profile

import (
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// An Entry is one profile as 'nperf profile list' shows it.
type Entry struct {
	Name        string
	Description string
	Tags        []string
	Source      string // "built-in" or the file
	Builtin     bool
	Err         error // the profile does not validate
}

// List returns the built-in profiles and the user profiles in l.Dir
// (*.yaml, *.yml), built-ins first, each group by name. A user profile
// that does not validate is listed with its error.
func (l *Loader) List() ([]Entry, error) {
	var out []Entry
	for _, name := range Builtins() {
		src, err := builtinSource(name)
		e := Entry{Name: name, Source: "built-in", Builtin: true}
		if err == nil {
			var p *Profile
			if p, err = l.load(src); err == nil {
				e.Description, e.Tags = p.Description, p.Tags
			}
		}
		e.Err = err
		out = append(out, e)
	}
	if l.Dir == "" {
		return out, nil
	}
	var files []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(l.Dir, pat))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || !st.Mode().IsRegular() {
			continue
		}
		e := Entry{Name: stem(f), Source: f}
		src, err := fileSource(f)
		if err == nil {
			var p *Profile
			if p, err = l.load(src); err == nil {
				e.Name, e.Description, e.Tags = p.Name, p.Description, p.Tags
			} else {
				e.Description, e.Tags = peek(src.data)
			}
		}
		e.Err = err
		out = append(out, e)
	}
	return out, nil
}

// peek reads the description and tags of a profile that does not
// validate, so that list can still say what it is.
func peek(data []byte) (string, []string) {
	var v struct {
		Description string   `yaml:"description"`
		Tags        []string `yaml:"tags"`
	}
	if yaml.Unmarshal(data, &v) != nil {
		return "", nil
	}
	return v.Description, v.Tags
}
