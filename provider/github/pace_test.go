package github

import (
	"testing"
	"time"
)

// TestPacerSchedule follows the pacer on a clock of its own: when each
// request of a sequence may go.
func TestPacerSchedule(t *testing.T) {
	const w = time.Second
	margin := max(w/50, 10*time.Millisecond)
	tests := []struct {
		name     string
		interval time.Duration
		pause    time.Duration // GitHub asked to wait this long at the start
		points   []int         // requests, in order; each answered at once
		want     []time.Duration
	}{
		{"reads within the limit go at once", 0, 0, []int{1, 1, 1}, []time.Duration{0, 0, 0}},
		{"the 181st DELETE waits for the window", 0, 0, append(repeat(writePoints, 180), writePoints),
			append(repeat(time.Duration(0), 180), w+margin)},
		{"a read fits the last point", 0, 0, append(repeat(writePoints, 179), 4, 1, 1),
			append(repeat(time.Duration(0), 181), w+margin)},
		{"the interval spaces mutations, not reads", 300 * time.Millisecond, 0, []int{writePoints, readPoints, writePoints},
			[]time.Duration{0, 0, 300 * time.Millisecond}},
		{"a pause holds everything", 0, 2 * time.Second, []int{readPoints}, []time.Duration{2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Unix(1_700_000_000, 0)
			now := start
			p := newPacer(w, tt.interval)
			p.now = func() time.Time { return now }
			if tt.pause > 0 {
				p.pause(now.Add(tt.pause))
			}
			for i, pts := range tt.points {
				for {
					sp, d := p.reserve(pts, pts == writePoints)
					if sp != nil {
						p.answered(sp)
						break
					}
					now = now.Add(d)
				}
				if got := now.Sub(start); got != tt.want[i] {
					t.Fatalf("request %d went at %s, want %s", i+1, got, tt.want[i])
				}
			}
		})
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}
