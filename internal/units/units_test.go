package units

import "testing"

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		bad  bool
	}{
		{"16384", 16384, false},
		{"64K", 65536, false},
		{"64KB", 65536, false},
		{"64k", 64000, false},
		{"1M", 1 << 20, false},
		{"1m", 1000000, false},
		{"2G", 2 << 30, false},
		{"1g", 1e9, false},
		{"", 0, true},
		{"abc", 0, true},
		{"12x", 0, true},
		{"K", 0, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseSize(c.in)
			if c.bad {
				if err == nil {
					t.Fatalf("ParseSize(%q) = %d, want error", c.in, got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ParseSize(%q) = %d, %v, want %d", c.in, got, err, c.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		letter string
		unit   string
		bps    float64
		want   float64
	}{
		{"m", "10^6bits", 1e6, 8},
		{"g", "10^9bits", 1e9, 8},
		{"k", "10^3bits", 1000, 8},
		{"b", "10^0bits", 10, 10},
		{"K", "KBytes", 2048, 2},
		{"M", "MBytes", 1 << 20, 1},
		{"G", "GBytes", 1 << 30, 1},
		{"B", "Bytes", 5, 5},
		{"x", "Trans", 7, 7},
	}
	for _, c := range cases {
		t.Run(c.letter, func(t *testing.T) {
			f, err := ParseFormat(c.letter)
			if err != nil {
				t.Fatal(err)
			}
			if f.Unit() != c.unit {
				t.Errorf("Unit() = %q, want %q", f.Unit(), c.unit)
			}
			if got := f.FromBytesPerSecond(c.bps); got != c.want {
				t.Errorf("FromBytesPerSecond(%v) = %v, want %v", c.bps, got, c.want)
			}
		})
	}
	if _, err := ParseFormat("q"); err == nil {
		t.Error("ParseFormat(q) succeeded, want error")
	}
}
