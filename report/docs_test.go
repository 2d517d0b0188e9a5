package report

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// docs/reports.md documents every field of the data model, by both its
// names, and every filter.
func TestDocsCoverDataModel(t *testing.T) {
	b, err := os.ReadFile("../docs/reports.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, x := range []any{Data{}, Source{}, Run{}, Instance{}, Result{}, Aggregate{}, Test{}, Group{},
		Summary{}, Interval{}, Series{}, Point{}, Trend{}, Latency{}, LatencyPercentile{}, Bin{}, Failure{},
		Expectations{}, Verdict{}, Bucket{}, Chart{}, ChartSeries{}, ChartBar{}} {
		typ := reflect.TypeOf(x)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			row := "| `" + f.Name + "` | `" + jsonName(f) + "` |"
			if !strings.Contains(doc, row) {
				t.Errorf("docs/reports.md lacks %s.%s: a row starting %s", typ.Name(), f.Name, row)
			}
		}
	}
	for _, name := range Filters() {
		if !strings.Contains(doc, "### "+name) && !strings.Contains(doc, ", "+name) {
			t.Errorf("docs/reports.md does not describe the filter %s", name)
		}
	}
	for _, name := range Builtins() {
		if !strings.Contains(doc, "| `"+name+"` |") {
			t.Errorf("docs/reports.md does not list the built-in %s", name)
		}
	}
}
