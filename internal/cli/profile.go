package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"nperf/internal/units"
	"nperf/profile"
	"nperf/result"
	"nperf/runner"
	"nperf/stats"
)

const profileUsage = `Usage: nperf profile COMMAND [options] [NAME|FILE...]

Profiles are YAML test suites with checked expectations; docs/profiles.md
describes the format. NAME is a built-in profile or one in the profile
directory; FILE is a path.

Commands:
  list                    the built-in profiles and those in the profile directory
  show NAME|FILE          the profile with inheritance and variables resolved,
                          and the runs its sweeps expand into
  validate NAME|FILE...   check profiles: every problem, with file:line:column
  run NAME|FILE           run the tests and check every expectation

Options:
  --dir DIR         user profiles (default ./profiles when it exists)
  --set NAME=VALUE  set the variable ${NAME} (repeatable); wins over the
                    environment and the profile's vars
  -H host[,host]    (run, show) servers, replacing the profile's hosts
                    (repeatable; host:port for a port per server); with no
                    host anywhere, an embedded loopback server
  --dry-run         (run) list the runs and the estimated time; run nothing
  --json            (run) write Records (JSON Lines) to stdout; progress and
                    the summary go to stderr
  -o FILE           (run) also write the Records to FILE

Exit status: 0 every expectation passed (validate: every profile valid);
1 an expectation failed; 2 usage error; 3 run error: a test could not run or
an instance failed; 4 invalid profile (nothing ran); 130 interrupted.
`

// Exit statuses of nperf profile, beyond exitOK and exitUsage.
const (
	profileExitExpectation = 1 // an expectation failed
	profileExitRunError    = 3 // a test could not run, or an instance failed
	profileExitInvalid     = 4 // the profile does not load or validate; nothing ran
)

// profileOpts are the options of every profile subcommand.
type profileOpts struct {
	dir     string
	set     map[string]string
	hosts   []string
	dryRun  bool
	jsonOut bool
	outFile string
	args    []string
}

// profileCmd is "nperf profile".
func profileCmd(ctx context.Context, stdio Stdio, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(stdio.Err, profileUsage)
		return exitUsage
	}
	sub := args[0]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(stdio.Out, profileUsage)
		return exitOK
	case "list", "show", "validate", "run":
	default:
		errorf(stdio.Err, "unknown profile command %q", sub)
		hintf(stdio.Err, "run 'nperf profile --help' for the commands")
		return exitUsage
	}
	o, ok := parseProfileOpts(stdio, sub, args[1:])
	if !ok {
		return exitUsage
	}
	if o == nil {
		fmt.Fprint(stdio.Out, profileUsage)
		return exitOK
	}
	l := &profile.Loader{Dir: o.dir, Set: o.set, Env: os.LookupEnv}
	switch sub {
	case "list":
		return profileList(stdio, l)
	case "show":
		return profileShow(stdio, l, o)
	case "validate":
		return profileValidate(stdio, l, o)
	}
	return profileRun(ctx, stdio, l, o)
}

// parseProfileOpts reads the options of subcommand sub; nil, true means
// help was asked for.
func parseProfileOpts(stdio Stdio, sub string, args []string) (*profileOpts, bool) {
	o := &profileOpts{set: map[string]string{}}
	dirSet := false
	only := map[string]string{"-H": "show run", "--dry-run": "run", "--json": "run", "-o": "run"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func(name string) (string, bool) {
			if v, ok := strings.CutPrefix(a, name+"="); ok {
				return v, true
			}
			if len(name) == 2 && len(a) > 2 {
				return a[2:], true
			}
			if i+1 >= len(args) {
				errorf(stdio.Err, "option %s: needs a value", name)
				return "", false
			}
			i++
			return args[i], true
		}
		name := a
		if strings.HasPrefix(a, "--") {
			name, _, _ = strings.Cut(a, "=")
		} else if strings.HasPrefix(a, "-") && len(a) > 2 {
			name = a[:2]
		}
		if subs, ok := only[name]; ok && !strings.Contains(subs, sub) {
			errorf(stdio.Err, "option %s does not apply to 'nperf profile %s'", name, sub)
			return nil, false
		}
		switch {
		case a == "-h" || a == "--help":
			return nil, true
		case a == "--dry-run":
			o.dryRun = true
		case a == "--json":
			o.jsonOut = true
		case name == "--dir":
			v, ok := value("--dir")
			if !ok {
				return nil, false
			}
			o.dir, dirSet = v, true
		case name == "--set":
			v, ok := value("--set")
			if !ok {
				return nil, false
			}
			k, val, found := strings.Cut(v, "=")
			if !found || k == "" {
				errorf(stdio.Err, "option --set: want NAME=VALUE, got %q", v)
				return nil, false
			}
			o.set[k] = val
		case name == "-H":
			v, ok := value("-H")
			if !ok {
				return nil, false
			}
			for _, h := range splitHosts(v) {
				h, _, _ = strings.Cut(h, ",") // a ",4"/",6" suffix: family is the profile's option
				if _, err := profile.ParseTarget(h, 0); err != nil {
					errorf(stdio.Err, "option -H: %v", err)
					return nil, false
				}
				o.hosts = append(o.hosts, h)
			}
		case name == "-o":
			v, ok := value("-o")
			if !ok {
				return nil, false
			}
			o.outFile = v
		case strings.HasPrefix(a, "-") && a != "-":
			errorf(stdio.Err, "unknown option %s", a)
			hintf(stdio.Err, "run 'nperf profile --help' for the options")
			return nil, false
		default:
			o.args = append(o.args, a)
		}
	}
	if !dirSet {
		if st, err := os.Stat("profiles"); err == nil && st.IsDir() {
			o.dir = "profiles"
		}
	} else if st, err := os.Stat(o.dir); err != nil || !st.IsDir() {
		errorf(stdio.Err, "option --dir: %s is not a directory", o.dir)
		return nil, false
	}
	switch {
	case sub == "list" && len(o.args) > 0:
		errorf(stdio.Err, "nperf profile list takes no arguments")
		return nil, false
	case (sub == "show" || sub == "run") && len(o.args) != 1:
		errorf(stdio.Err, "nperf profile %s takes one profile, NAME or FILE", sub)
		return nil, false
	case sub == "validate" && len(o.args) == 0:
		errorf(stdio.Err, "nperf profile validate needs profiles to check, NAME or FILE")
		return nil, false
	}
	return o, true
}

func profileList(stdio Stdio, l *profile.Loader) int {
	entries, err := l.List()
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	tw := tabwriter.NewWriter(stdio.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tTAGS\tDESCRIPTION")
	for _, e := range entries {
		desc := e.Description
		if e.Err != nil {
			desc = "(invalid: " + firstProblem(e.Err) + ") " + desc
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, e.Source, strings.Join(e.Tags, ","), desc)
	}
	tw.Flush()
	if l.Dir == "" {
		fmt.Fprintln(stdio.Out, "\nUser profiles: none (no ./profiles directory; --dir DIR names one)")
	}
	return exitOK
}

func firstProblem(err error) string {
	var list profile.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		s := list[0].Error()
		if len(list) > 1 {
			s += fmt.Sprintf(" and %d more", len(list)-1)
		}
		return s
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// loadProfile loads ref and reports why it cannot be used.
func loadProfile(stdio Stdio, l *profile.Loader, ref string) *profile.Profile {
	p, err := l.Load(ref)
	if err == nil {
		return p
	}
	printProfileError(stdio.Err, ref, err)
	return nil
}

// printProfileError prints a load error: each problem of an invalid
// profile as file:line:col: reason (the form editors jump to), then one
// error line.
func printProfileError(w io.Writer, ref string, err error) {
	var list profile.ErrorList
	if !errors.As(err, &list) {
		errorf(w, "%v", err)
		return
	}
	for _, e := range list {
		fmt.Fprintln(w, e.Error())
	}
	n := "1 problem"
	if len(list) > 1 {
		n = fmt.Sprintf("%d problems", len(list))
	}
	errorf(w, "profile %s is invalid: %s", ref, n)
}

func profileValidate(stdio Stdio, l *profile.Loader, o *profileOpts) int {
	status := exitOK
	for _, ref := range o.args {
		p := loadProfile(stdio, l, ref)
		if p == nil {
			status = profileExitInvalid
			continue
		}
		runs, err := p.Runs(nil)
		if err != nil {
			errorf(stdio.Err, "profile %s: %v", ref, err)
			status = profileExitInvalid
			continue
		}
		fmt.Fprintf(stdio.Out, "%s: ok (profile %s, %d tests, %d runs)\n", ref, p.Name, len(p.Tests), len(runs))
	}
	return status
}

func profileShow(stdio Stdio, l *profile.Loader, o *profileOpts) int {
	p := loadProfile(stdio, l, o.args[0])
	if p == nil {
		return profileExitInvalid
	}
	runs, err := p.Runs(o.hosts)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return profileExitInvalid
	}
	b, err := p.Canonical()
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return exitFailed
	}
	from := p.Source
	if len(p.Extends) > 0 {
		from += ", extending " + strings.Join(p.Extends, " <- ")
	}
	fmt.Fprintf(stdio.Out, "# profile %s from %s\n# inheritance merged and variables substituted\n", p.Name, from)
	stdio.Out.Write(b)
	fmt.Fprintln(stdio.Out)
	var plan strings.Builder
	writeProfilePlan(&plan, p, runs)
	for _, line := range strings.Split(strings.TrimRight(plan.String(), "\n"), "\n") {
		fmt.Fprintln(stdio.Out, strings.TrimRight("# "+line, " "))
	}
	return exitOK
}

// writePlan lists the runs of a profile and the estimated time.
func writeProfilePlan(w io.Writer, p *profile.Profile, runs []*profile.Run) {
	total, unknown, iterations := time.Duration(0), 0, 0
	for _, r := range runs {
		if d, ok := r.Estimated(); ok {
			total += d
		} else {
			unknown++
		}
		iterations += r.Iterations
	}
	if iterations > 1 {
		total += time.Duration(iterations-1) * p.Globals.Pause
	}
	fmt.Fprintf(w, "%d runs of profile %s:\n", len(runs), p.Name)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\trun\ttype\tinstances\tlength\titerations\tserver\toptions")
	for i, r := range runs {
		length := fmt.Sprintf("%d s", r.Job.Spec.LengthSeconds)
		if r.Job.Spec.LengthSeconds == 0 {
			length = fmt.Sprintf("%d units", r.Job.Spec.LengthUnits)
		}
		server := "embedded loopback"
		if !r.Embedded() {
			var s []string
			for _, t := range r.Job.Targets {
				if t.Port == 0 {
					s = append(s, t.Host)
				} else {
					s = append(s, fmt.Sprintf("%s:%d", t.Host, t.Port))
				}
			}
			server = strings.Join(s, ",")
		}
		var opts []string
		for _, o := range r.Options {
			opts = append(opts, o.Name+"="+o.Text)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%s\t%d\t%s\t%s\n", i+1, r.Name(), r.Type, r.Job.Instances, length, r.Iterations, server, strings.Join(opts, " "))
	}
	tw.Flush()
	for i, r := range runs {
		for _, e := range r.Expect {
			fmt.Fprintf(w, "  %d expects %s\n", i+1, e.Text)
		}
	}
	est := fmt.Sprintf("estimated total time: %s of measuring", profileEstimate(total))
	if p.Globals.Pause > 0 {
		est += ", pauses included"
	}
	if unknown > 0 {
		est += fmt.Sprintf(", plus %d count-based runs whose length depends on the path", unknown)
	}
	fmt.Fprintln(w, est+"; connection setup adds a little")
}

func profileEstimate(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.0f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// profileRun is "nperf profile run": every run's iterations in order,
// Records to the sinks, then the verdict of every expectation.
func profileRun(ctx context.Context, stdio Stdio, l *profile.Loader, o *profileOpts) int {
	p := loadProfile(stdio, l, o.args[0])
	if p == nil {
		return profileExitInvalid
	}
	runs, err := p.Runs(o.hosts)
	if err != nil {
		errorf(stdio.Err, "%v", err)
		return profileExitInvalid
	}
	if len(runs) == 0 {
		errorf(stdio.Err, "profile %s has no tests to run", p.Name)
		return profileExitInvalid
	}
	if o.dryRun {
		writeProfilePlan(stdio.Out, p, runs)
		return exitOK
	}
	info := stdio.Out
	var sinks []*result.Encoder
	if o.jsonOut {
		info = stdio.Err
		sinks = append(sinks, result.NewEncoder(stdio.Out))
	}
	if o.outFile != "" {
		f, err := os.Create(o.outFile)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return exitFailed
		}
		defer f.Close()
		sinks = append(sinks, result.NewEncoder(f))
	}
	s := &profileSession{ctx: ctx, sinks: sinks, runID: newRunID(), servers: map[string]runner.Target{}}
	defer s.close()
	s.write(func(e *result.Encoder) error { return e.EncodeHeader(newHeader(os.Args)) })

	var estimate time.Duration
	width := 0
	for _, r := range runs {
		d, _ := r.Estimated()
		estimate += d
		width = max(width, len(r.Name()))
	}
	fmt.Fprintf(info, "nperf profile %s: %d runs, about %s, against %s\n", p.Name, len(runs), profileEstimate(estimate), strings.Join(profileHosts(runs), ", "))
	var outcomes []profileOutcome
	interrupted := false
	for i, r := range runs {
		m, err := s.measure(r)
		if err != nil {
			errorf(stdio.Err, "%v", err)
			return profileExitRunError
		}
		oc := profileOutcome{run: r, failures: m.Failures}
		for _, e := range r.Expect {
			oc.verdicts = append(oc.verdicts, m.Check(e))
		}
		outcomes = append(outcomes, oc)
		fmt.Fprintf(info, "  [%d/%d] %-*s  %-10s  %s\n", i+1, len(runs), width, r.Name(), r.Type, profileHeadline(m))
		for _, f := range m.Failures {
			errorf(stdio.Err, "%s: %s", r.Name(), f)
		}
		if m.Interrupted || ctx.Err() != nil {
			interrupted = true
			break
		}
	}
	if s.writeErr != nil {
		errorf(stdio.Err, "writing Records: %v", s.writeErr)
	}
	return profileSummary(info, stdio.Err, p, len(runs), outcomes, interrupted, s.writeErr != nil)
}

// A profileSession runs the runs of one profile: it writes their Records,
// serves the runs that name no host from embedded loopback servers, and
// numbers the runner jobs.
type profileSession struct {
	ctx      context.Context
	sinks    []*result.Encoder
	mu       sync.Mutex // the sinks are written from the runner's goroutines
	writeErr error
	runID    string
	seq      int                      // runner jobs so far
	servers  map[string]runner.Target // embedded server per address family
	stops    []func()
}

func (s *profileSession) write(f func(e *result.Encoder) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.sinks {
		if err := f(e); err != nil && s.writeErr == nil {
			s.writeErr = err
		}
	}
}

func (s *profileSession) emit(r *result.Record) {
	s.write(func(e *result.Encoder) error { return e.Encode(r) })
}

// server returns the embedded server of an address family, started on
// first use; one serves every run that names no host.
func (s *profileSession) server(family string) (runner.Target, error) {
	if t, ok := s.servers[family]; ok {
		return t, nil
	}
	spec := result.Spec{Family: family}
	stop, err := startEmbedded(s.ctx, &spec)
	if err != nil {
		return runner.Target{}, fmt.Errorf("embedded server: %w", err)
	}
	s.stops = append(s.stops, stop)
	t := runner.Target{Host: spec.Host, Port: spec.Port}
	s.servers[family] = t
	return t, nil
}

func (s *profileSession) close() {
	for _, stop := range s.stops {
		stop()
	}
}

// measure runs the iterations of one run, pausing before each job but
// the session's first, and stops early when the session is interrupted.
func (s *profileSession) measure(r *profile.Run) (*profile.Measurement, error) {
	m := profile.NewMeasurement(r.Type)
	var target runner.Target
	if r.Embedded() {
		var err error
		if target, err = s.server(r.Job.Spec.Family); err != nil {
			return nil, err
		}
	}
	for it := 1; it <= r.Iterations; it++ {
		if s.seq > 0 && r.Pause > 0 {
			select {
			case <-time.After(r.Pause):
			case <-s.ctx.Done():
			}
		}
		if s.ctx.Err() != nil {
			m.Interrupted = true
			break
		}
		s.seq++
		job := r.JobFor(it, fmt.Sprintf("%s-%d", s.runID, s.seq))
		if r.Embedded() {
			job.Targets = []runner.Target{target}
		}
		res, err := runner.Run(s.ctx, job, s.emit)
		if err != nil {
			m.Failures = append(m.Failures, fmt.Sprintf("iteration %d: %v", it, err))
			continue
		}
		m.Add(it, res)
		if m.Interrupted {
			break
		}
	}
	return m, nil
}

// A profileOutcome is what one run measured against its expectations.
type profileOutcome struct {
	run      *profile.Run
	verdicts []profile.Verdict
	failures []string
}

// profileSummary prints every expectation's verdict, measured against
// wanted, and returns the exit status: interrupted, then run error, then
// expectation failed.
func profileSummary(info, errw io.Writer, p *profile.Profile, planned int, outcomes []profileOutcome, interrupted, writeFailed bool) int {
	passed, failed, runErrors := 0, 0, 0
	fmt.Fprintf(info, "\nexpectations of profile %s:\n", p.Name)
	tw := tabwriter.NewWriter(info, 0, 0, 2, ' ', 0)
	for _, oc := range outcomes {
		if len(oc.failures) > 0 {
			runErrors++
		}
		if len(oc.verdicts) == 0 {
			fmt.Fprintf(tw, "  -\t%s\t(no expectations)\t\n", oc.run.Name())
		}
		for _, v := range oc.verdicts {
			mark := "PASS"
			if v.OK {
				passed++
			} else {
				mark = "FAIL"
				failed++
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", mark, oc.run.Name(), v.Expectation.Text, v.Outcome())
		}
	}
	tw.Flush()
	total := passed + failed
	switch {
	case interrupted:
		fmt.Fprintf(info, "interrupted after %d of %d runs: the verdicts cover what was measured\n", len(outcomes), planned)
		fmt.Fprintf(info, "result: INTERRUPTED - %d of %d expectations passed\n", passed, total)
		return exitInterrupted
	case runErrors > 0 || writeFailed:
		fmt.Fprintf(info, "result: RUN ERROR - %d of %d runs had failed instances; %d of %d expectations passed\n", runErrors, len(outcomes), passed, total)
		return profileExitRunError
	case failed > 0:
		fmt.Fprintf(info, "result: FAIL - %d of %d expectations failed\n", failed, total)
		for _, oc := range outcomes {
			for _, v := range oc.verdicts {
				if !v.OK {
					errorf(errw, "expectation failed: %s: %s", oc.run.Name(), v)
				}
			}
		}
		return profileExitExpectation
	}
	fmt.Fprintf(info, "result: PASS - all %d expectations passed\n", total)
	return exitOK
}

// headline is one line of what a run measured: the mean over its
// iterations, with the variation between them and latency percentiles.
func profileHeadline(m *profile.Measurement) string {
	if m.Iterations == 0 {
		return "no valid result"
	}
	var s string
	if result.IsStream(m.Type) {
		s = units.BitsPerSecond(stats.Mean(m.ThroughputBitsPerSecond))
	} else {
		s = fmt.Sprintf("%.0f trans/s", stats.Mean(m.TransactionRate))
	}
	if h := m.Latency; h != nil && h.Count() > 0 {
		s += fmt.Sprintf(", p50 %s, p99 %s", fmtDuration(h.Quantile(0.5)), fmtDuration(h.Quantile(0.99)))
	}
	if m.Type == "UDP_STREAM" && m.SentBytes > 0 {
		s += fmt.Sprintf(", loss %.2f%%", 100*(1-float64(m.ReceivedBytes)/float64(m.SentBytes)))
	}
	if m.Iterations > 1 {
		s += fmt.Sprintf(" (mean of %d)", m.Iterations)
	}
	return s
}

// hostList names the servers the runs use.
func profileHosts(runs []*profile.Run) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range runs {
		names := []string{"the embedded loopback server"}
		if !r.Embedded() {
			names = names[:0]
			for _, t := range r.Job.Targets {
				names = append(names, t.Host)
			}
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}
