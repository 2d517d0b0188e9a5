package monitor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// maxBatch bounds the events applied between two looks at the keyboard.
const maxBatch = 512

// RunTTY is the full-screen terminal front end: it shows the state on out
// (a terminal) in the alternate screen, redrawn every refresh and on every
// resize, until the user presses q or Ctrl-C, ctx ends, or (with
// opts.ExitAtEnd) the events channel closes. Keys are read from the
// controlling terminal, so that the stream itself may come on stdin. The
// terminal is restored when it returns.
func RunTTY(ctx context.Context, s *State, events <-chan Event, out *os.File, opts Options) error {
	r := lipgloss.NewRenderer(out)
	m := &model{st: s, events: events, styles: ColorStyles(r), refresh: opts.refresh(), exitAtEnd: opts.ExitAtEnd,
		width: 80, height: 24}
	m.redraw()
	fps := min(max(int(2*time.Second/m.refresh), 4), 60)
	p := tea.NewProgram(m, tea.WithOutput(out), tea.WithInputTTY(), tea.WithAltScreen(), tea.WithFPS(fps))
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			p.Quit()
		case <-stop:
		}
	}()
	_, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) {
		return nil // a signal: the same as q
	}
	return err
}

type model struct {
	st        *State
	events    <-chan Event
	styles    Styles
	refresh   time.Duration
	exitAtEnd bool

	width, height int
	ended         bool
	view          string
}

type eventsMsg struct {
	events []Event
	end    bool
}

type tickMsg time.Time

// next waits for the next events, taking what is already queued with them.
func (m *model) next() tea.Cmd {
	ch := m.events
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsMsg{end: true}
		}
		batch := []Event{ev}
		for len(batch) < maxBatch {
			select {
			case ev, ok := <-ch:
				if !ok {
					return eventsMsg{events: batch, end: true}
				}
				batch = append(batch, ev)
			default:
				return eventsMsg{events: batch}
			}
		}
		return eventsMsg{events: batch}
	}
}

func (m *model) tick() tea.Cmd {
	return tea.Tick(m.refresh, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *model) Init() tea.Cmd { return tea.Batch(m.next(), m.tick()) }

// Update applies events as they come but redraws only on the refresh tick,
// a resize or the end, so that a fast stream costs no extra drawing.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case eventsMsg:
		for _, ev := range msg.events {
			m.st.apply(ev)
		}
		if !msg.end {
			return m, m.next()
		}
		m.ended = true
		m.st.End()
		m.redraw()
		if m.exitAtEnd {
			return m, tea.Quit
		}
	case tickMsg:
		m.st.Tick(time.Time(msg))
		m.redraw()
		return m, m.tick()
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.redraw()
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "Q", "ctrl+c", "esc":
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m *model) redraw() {
	var b strings.Builder
	h := max(m.height-1, 1)
	m.st.RenderStyled(&b, m.width, h, m.styles)
	footer := fmt.Sprintf("q: quit   refresh %s   %d records", m.refresh, m.st.Records())
	switch {
	case m.st.Done():
		footer = "finished: q to quit   " + fmt.Sprintf("%d records", m.st.Records())
	case m.ended:
		footer = "the stream ended: q to quit   " + fmt.Sprintf("%d records", m.st.Records())
	}
	lines := strings.Count(b.String(), "\n")
	b.WriteString(strings.Repeat("\n", max(h-lines, 0)))
	b.WriteString(newRow(m.width, m.styles).add(m.styles.Dim, footer).String())
	m.view = b.String()
}

func (m *model) View() string { return m.view }
