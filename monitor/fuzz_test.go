package monitor

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nperf/result"
)

// FuzzStream feeds any Record stream the reader accepts to a State and
// renders it at any size: nothing may panic, and the screen fits.
func FuzzStream(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, 80, 24)
	}
	f.Add([]byte(`{"run":"r","test":"TCP_RR","instance":0,"seq":9999999999,"elapsed_ns":-5,"transactions":1}`), 40, 3)
	f.Add([]byte(`{"run":"r\u001b[2J","test":"TCP_RR\n","instance":0,"peer":"\u001b]0;x\u0007","final":true,"error":{"kind":"data","message":"a\nb"}}`), 120, 0)
	f.Fuzz(func(t *testing.T, stream []byte, width, height int) {
		width, height = 1+abs(width)%300, abs(height)%100
		s := NewState()
		rd := result.NewReader(bytes.NewReader(stream), "fuzz")
		for n := 0; rd.Scan() && n < 1000; n++ {
			s.apply(Event{Record: rd.Record(), Header: rd.Header()})
		}
		var b bytes.Buffer
		s.Render(&b, width, height)
		if height > 0 && strings.Count(b.String(), "\n") > height {
			t.Errorf("%d lines for a height of %d", strings.Count(b.String(), "\n"), height)
		}
		if strings.ContainsRune(b.String(), '\x1b') {
			t.Errorf("an escape code went through to the screen: %q", b.String())
		}
		b.Reset()
		s.RenderLine(&b, 0)
		if strings.Count(b.String(), "\n") != 1 || strings.ContainsRune(b.String(), '\x1b') {
			t.Errorf("RenderLine wrote %q", b.String())
		}
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
