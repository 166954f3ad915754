package github

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
)

// callStats counts what one Call cost. It travels in the request context so
// that the shared transport can count each Call's requests apart.
type callStats struct {
	requests  atomic.Int64
	remaining atomic.Int64 // GitHub's x-ratelimit-remaining; -1 while unknown
	reset     atomic.Int64 // GitHub's x-ratelimit-reset; 0 while unknown
}

func newCallStats() *callStats {
	s := &callStats{}
	s.remaining.Store(-1)
	return s
}

type statsKey struct{}

func withStats(ctx context.Context, s *callStats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

// statsFrom returns the Call's stats, or a throwaway when the request is not
// part of a Call.
func statsFrom(ctx context.Context) *callStats {
	if s, ok := ctx.Value(statsKey{}).(*callStats); ok {
		return s
	}
	return newCallStats()
}

func (s *callStats) noteRate(resp *http.Response) {
	if v, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Remaining"), 10, 64); err == nil {
		s.remaining.Store(v)
	}
	if v, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		s.reset.Store(v)
	}
}
