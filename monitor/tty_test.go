package monitor

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"nperf/result"
)

// tmux drives a private tmux server (its own socket) for one test.
type tmux struct {
	t    *testing.T
	sock string
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", x.sock}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (x *tmux) screen() string { return x.run("capture-pane", "-p", "-t", "mon") }

func (x *tmux) flag(name string) string {
	return strings.TrimSpace(x.run("display-message", "-p", "-t", "mon", "#{"+name+"}"))
}

// waitFor polls the screen until ok accepts it, and returns that screen.
func (x *tmux) waitFor(what string, ok func(screen string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = x.screen()
		if ok(s) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	x.t.Fatalf("the screen never showed %s; last screen:\n%s", what, s)
	return ""
}

// needTmux skips without tmux, except in CI, where the terminal test must run.
func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" {
			t.Fatalf("tmux is not installed, and CI=%s needs this test to run (apt-get install tmux)", ci)
		}
		t.Skip("tmux is not installed (apt-get install tmux): the real-terminal test cannot run")
	}
}

// buildNperf builds the nperf binary into dir.
func buildNperf(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "nperf")
	// go test puts its own GOROOT/bin first on the test's PATH.
	cmd := exec.Command("go", "build", "-o", bin, "nperf/cmd/nperf")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestTerminal runs nperf monitor in a real terminal (a tmux pane of a
// fixed size): during the run the screen has sparklines and a progress
// bar; at the end it has the latency percentiles; it follows a resize; q
// ends it, the terminal is as it was before, the final screen stays, and
// the Records of the run are in the -o file.
func TestTerminal(t *testing.T) {
	needTmux(t)
	if testing.Short() {
		t.Skip("builds nperf and runs a 2 s test")
	}
	dir := t.TempDir()
	bin := buildNperf(t, dir)
	script := filepath.Join(dir, "run.sh")
	err := os.WriteFile(script, []byte(`cd "$1"
stty -g > stty.before
"$2" monitor -t TCP_RR -l 2 -n 2 --refresh 0.1 --interval 100ms -o run.jsonl
echo "exit=$?" > exit.code
stty -g > stty.after
echo "shell is back"
sleep 600
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	x := &tmux{t: t, sock: filepath.Join(dir, "tmux.sock")}
	x.run("-f", "/dev/null", "new-session", "-d", "-s", "mon", "-x", "100", "-y", "30", "sh "+script+" "+dir+" "+bin)
	t.Cleanup(func() { exec.Command("tmux", "-S", x.sock, "kill-server").Run() })

	during := x.waitFor("the live run with a sparkline", func(s string) bool {
		return strings.Contains(s, " live ") && strings.Contains(s, "%") && strings.ContainsAny(s, sparkLevels) &&
			strings.Contains(s, "elapsed  ETA")
	})
	if x.flag("alternate_on") != "1" {
		t.Errorf("the live view is not in the alternate screen")
	}
	for _, want := range []string{"transactions", "progress     [", "█", "inst", "history", "P50 "} {
		if !strings.Contains(during, want) {
			t.Errorf("live screen lacks %q:\n%s", want, during)
		}
	}
	if !strings.Contains(during, "server") {
		t.Errorf("a 100-column screen has no server column:\n%s", during)
	}

	x.run("resize-window", "-t", "mon", "-x", "70", "-y", "20")
	resized := x.waitFor("the screen redrawn for 70 columns", func(s string) bool {
		return strings.Contains(s, "inst") && !strings.Contains(s, "server")
	})
	checkWidth(t, resized, 70)

	after := x.waitFor("the finished run", func(s string) bool { return strings.Contains(s, "finished: q to quit") })
	for _, want := range []string{"P50 ", "P95 ", "P99 ", "min ", "max ", "100%", "done in", "done"} {
		if !strings.Contains(after, want) {
			t.Errorf("final screen lacks %q:\n%s", want, after)
		}
	}
	if !strings.ContainsAny(after, sparkLevels) {
		t.Errorf("final screen has no sparkline:\n%s", after)
	}

	x.run("send-keys", "-t", "mon", "q")
	back := x.waitFor("the shell after monitor", func(s string) bool { return strings.Contains(s, "shell is back") })
	if !strings.Contains(back, "P99 ") {
		t.Errorf("the final screen did not stay in the terminal:\n%s", back)
	}
	if got := x.flag("alternate_on"); got != "0" {
		t.Errorf("alternate screen still on after exit")
	}
	if got := x.flag("cursor_flag"); got != "1" {
		t.Errorf("cursor still hidden after exit")
	}
	before, _ := os.ReadFile(filepath.Join(dir, "stty.before"))
	afterStty, _ := os.ReadFile(filepath.Join(dir, "stty.after"))
	if len(before) == 0 || !bytes.Equal(before, afterStty) {
		t.Errorf("terminal modes not restored:\nbefore %safter  %s", before, afterStty)
	}
	if code, _ := os.ReadFile(filepath.Join(dir, "exit.code")); strings.TrimSpace(string(code)) != "exit=0" {
		t.Errorf("monitor ended with %q", code)
	}

	f, err := os.Open(filepath.Join(dir, "run.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := result.NewReader(f, "run.jsonl")
	finals := 0
	for rd.Scan() {
		if r := rd.Record(); r != nil && r.Final && r.Instance >= 0 {
			finals++
		}
	}
	if err := rd.Err(); err != nil || finals != 2 {
		t.Errorf("-o file: %d Final records of instances, want 2 (err %v)", finals, err)
	}
}

func checkWidth(t *testing.T, screen string, width int) {
	t.Helper()
	for i, l := range strings.Split(screen, "\n") {
		if n := utf8.RuneCountInString(strings.TrimRight(l, " ")); n > width {
			t.Errorf("line %d is %d wide on a %d-column terminal: %q", i+1, n, width, l)
		}
	}
}
