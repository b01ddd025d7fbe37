package delivery

import (
	"context"
	"sync"
	"time"

	"mangotqm/app/clock"
)

// pacer spaces request starts evenly at a rate, on a fixed grid: start k is
// due at t0 + k/rate, never earlier. A start that comes late (a timer that
// fires late, a claim that took a few milliseconds) keeps its place on the
// grid, so the next one follows sooner and the average holds the rate
// exactly; a token bucket of burst 1 (x/time/rate) loses every such delay,
// about 2.5 % of 200/s on a busy machine. The catch-up is bounded: a start
// later than half an interval moves the grid (after idling, a pause, a
// hold), so two starts are never closer than half an interval, and any
// window of T seconds holds at most rate×T + 1.5 starts, no more than a
// token bucket of burst 1 lets through.
type pacer struct {
	interval time.Duration
	next     time.Time // when the next start is due; zero: now
	clock    clock.Clock
}

func newPacer(perSecond float64, clk clock.Clock) *pacer {
	return &pacer{interval: time.Duration(float64(time.Second) / perSecond), clock: clk}
}

// wait returns when the next start is due; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	now := p.clock.Now()
	if p.next.IsZero() || now.Sub(p.next) > p.interval/2 {
		p.next = now
	}
	if d := p.next.Sub(now); d > 0 {
		if p.clock.Sleep(ctx, d) != nil {
			return false
		}
	} else if ctx.Err() != nil {
		return false
	}
	p.next = p.next.Add(p.interval)
	return true
}

// hold is the whole sender's back-off when TQM asks it to slow down (a
// 429, or a 503 with Retry-After): no request starts before it ends. Sends
// extend it from their goroutines; the loop reads it.
type hold struct {
	now   func() time.Time
	mu    sync.Mutex
	until time.Time
}

// left is how long the hold still lasts (≤ 0: none).
func (h *hold) left() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.until.Sub(h.now())
}

// extend holds for d from now; a later end wins. later says whether the
// hold was extended.
func (h *hold) extend(d time.Duration) (until time.Time, later bool) {
	until = h.now().Add(d)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !until.After(h.until) {
		return h.until, false
	}
	h.until = until
	return until, true
}
