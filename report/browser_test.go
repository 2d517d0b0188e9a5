package report

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// findChromium returns the path of a Chromium to test in, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needChromium skips the test without a browser, unless it runs in CI,
// where a missing browser is a broken setup.
func needChromium(t *testing.T) string {
	t.Helper()
	p := findChromium()
	if p != "" {
		return p
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal("chromium is not installed, and CI is set: CI must install Debian's chromium (apt-get install -y chromium)")
	}
	t.Skip("chromium not found: install Debian's chromium (apt-get install -y chromium) to open the HTML report in a real browser")
	return ""
}

// chromium runs headless Chromium on a local file with one action flag
// (--dump-dom, --screenshot=...) and returns its stdout and log.
func chromium(t *testing.T, bin, file string, action ...string) (stdout, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + t.TempDir(),
		"--enable-logging=stderr", "--v=0", "--window-size=1200,2000"}
	args = append(args, action...)
	args = append(args, "file://"+file)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, errb.String())
	}
	return out.String(), errb.String()
}

// consoleLines are the page's console messages and uncaught errors in
// Chromium's log (failed loads of resources land there too).
func consoleLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, ":CONSOLE") {
			out = append(out, l)
		}
	}
	return out
}

var (
	figureRE   = regexp.MustCompile(`(?s)<figure class="chart" id="([^"]+)">(.*?)</figure>`)
	dataAttrRE = regexp.MustCompile(`<svg [^>]*data-series="(\d+)"[^>]*data-bars="(\d+)"`)
)

// TestHTMLReportInBrowser opens the html-report in headless Chromium: the
// page loads without a console message (it has no script and fetches
// nothing), the browser's DOM holds every chart with the series and bars
// the data model has, and a screenshot shows them.
func TestHTMLReportInBrowser(t *testing.T) {
	bin := needChromium(t)
	dir := t.TempDir()

	// The console check must be able to fail: a page with an error is
	// seen.
	control := filepath.Join(dir, "control.html")
	if err := os.WriteFile(control, []byte(`<!DOCTYPE html><html><body><script>console.error("control-error")</script></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, log := chromium(t, bin, control, "--dump-dom"); !strings.Contains(strings.Join(consoleLines(log), "\n"), "control-error") {
		t.Fatalf("the console check does not see a console error; Chromium's log:\n%s", log)
	}

	d := fixtureData(t)
	tmpl, err := Builtin("html-report")
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(render(t, tmpl, d)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := chromium(t, bin, page, "--dump-dom")
	if c := consoleLines(log); len(c) > 0 {
		t.Errorf("console messages while loading the report:\n%s", strings.Join(c, "\n"))
	}

	// What the data model says the charts hold.
	want := map[string][2]int{} // chart id -> series, bars
	for _, tt := range d.Tests {
		series := 0
		for _, s := range tt.Series {
			if len(s.Points) > 0 {
				series++
			}
		}
		want[chartID("throughput", tt.Name)] = [2]int{series, 0}
		if tt.Latency != nil {
			groups := 0
			for _, g := range tt.Groups {
				if g.Latency != nil {
					groups++
				}
			}
			want[chartID("latency", tt.Name)] = [2]int{groups, 0}
			want[chartID("distribution", tt.Name)] = [2]int{groups, 0}
		}
		for _, r := range tt.Runs {
			if len(r.Instances) > 1 {
				want[chartID("instances", r.ID)] = [2]int{0, len(r.Instances)}
			}
		}
	}
	figures := figureRE.FindAllStringSubmatch(dom, -1)
	if len(figures) != len(want) {
		t.Errorf("the DOM has %d charts, want %d", len(figures), len(want))
	}
	for _, f := range figures {
		id, body := f[1], f[2]
		w, ok := want[id]
		if !ok {
			t.Errorf("unexpected chart %s", id)
			continue
		}
		series := strings.Count(body, `<polyline class="series"`)
		bars := strings.Count(body, `<rect class="bar"`)
		if series != w[0] || bars != w[1] {
			t.Errorf("chart %s: %d series and %d bars in the DOM, want %d and %d", id, series, bars, w[0], w[1])
		}
		m := dataAttrRE.FindStringSubmatch(body)
		if m == nil || m[1] != strconv.Itoa(w[0]) || m[2] != strconv.Itoa(w[1]) {
			t.Errorf("chart %s: svg attributes %v", id, m)
		}
		if w[0] > 0 && !regexp.MustCompile(`points="[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+`).MatchString(body) {
			t.Errorf("chart %s: series without points", id)
		}
	}

	shot := filepath.Join(dir, "shot.png")
	chromium(t, bin, page, "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	inked, seriesInk := inkOf(img)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	if img.Bounds().Dx() != 1200 || inked < total/50 {
		t.Errorf("screenshot %v has %d of %d pixels not white: blank", img.Bounds(), inked, total)
	}
	// The first series colour draws lines and bars: a drawn chart shows it.
	if seriesInk < 200 {
		t.Errorf("screenshot shows %d pixels of the first series colour, want a chart", seriesInk)
	}
	if t.Failed() {
		keep := filepath.Join(os.TempDir(), "nperf-report-browser-test.png")
		if b, err := os.ReadFile(shot); err == nil && os.WriteFile(keep, b, 0o644) == nil {
			t.Logf("screenshot kept in %s", keep)
		}
	}
}

// inkOf counts pixels that are not near white, and pixels near the first
// series colour (#4e79a7).
func inkOf(img image.Image) (inked, series int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 235 || g < 235 || bl < 235 {
				inked++
			}
			if near(r, 0x4e) && near(g, 0x79) && near(bl, 0xa7) {
				series++
			}
		}
	}
	return inked, series
}

func near(a, b uint32) bool { return a+12 >= b && a <= b+12 }

// TestHostileHTMLInBrowser opens a report of Records whose host names,
// labels and error text carry markup: the browser runs none of it.
func TestHostileHTMLInBrowser(t *testing.T) {
	bin := needChromium(t)
	tmpl, err := Builtin("html-report")
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "hostile.html")
	if err := os.WriteFile(page, []byte(render(t, tmpl, hostileData())), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := chromium(t, bin, page, "--dump-dom")
	if c := consoleLines(log); len(c) > 0 {
		t.Errorf("hostile text ran or loaded something:\n%s", strings.Join(c, "\n"))
	}
	if strings.Contains(dom, "<img") || strings.Contains(dom, "<script") || strings.Contains(dom, "<iframe") {
		t.Errorf("hostile markup became elements in the DOM")
	}
	if !strings.Contains(dom, "&lt;script&gt;console.log(") {
		t.Errorf("the hostile text is not shown as text")
	}
}
