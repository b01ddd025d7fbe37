// Package clocktest helps tests wait: Eventually polls a condition with a
// deadline (for waits on real goroutines, processes and sockets that
// testing/synctest cannot hold in a bubble), and Manual is a clock tests
// step by hand.
package clocktest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Patience is how long Eventually waits: long, because the machine running
// the tests may be loaded; a passing test returns as soon as cond holds.
const Patience = 30 * time.Second

// Every is how often Eventually looks.
const Every = 5 * time.Millisecond

// Eventually waits until cond holds, failing t (naming what) after Patience.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Within(t, Patience, what, cond)
}

// Within is Eventually with its own deadline d.
func Within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(context.Background(), d, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

// Poll looks at cond every Every until it holds (true), d passes or ctx
// ends (false). For helpers that report a failure their own way.
func Poll(ctx context.Context, d time.Duration, cond func() bool) bool {
	return PollEvery(ctx, d, Every, cond)
}

// PollEvery is Poll looking every `every` (benchmarks that must not load
// the machine they measure).
func PollEvery(ctx context.Context, d, every time.Duration, cond func() bool) bool {
	if cond() {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if cond() {
				return true
			}
		case <-ctx.Done():
			return cond()
		}
	}
}

// Manual is a clock.Clock whose time moves only by Set and Advance; After
// and Sleep end when it has been moved past their end.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewManual returns a Manual clock standing at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now implements clock.Clock.
func (m *Manual) Now() time.Time { m.mu.Lock(); defer m.mu.Unlock(); return m.now }

// After implements clock.Clock: the channel gets the time once the clock
// reaches now+d.
func (m *Manual) After(d time.Duration) <-chan time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := make(chan time.Time, 1)
	at := m.now.Add(d)
	if d <= 0 {
		ch <- m.now
		return ch
	}
	m.waiters = append(m.waiters, waiter{at: at, ch: ch})
	return ch
}

// Sleep implements clock.Clock.
func (m *Manual) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-m.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Set moves the clock to t (backwards too) and wakes the waits it passed.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = t
	kept := m.waiters[:0]
	for _, w := range m.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- t
	}
	m.waiters = kept
}

// Advance moves the clock d forward.
func (m *Manual) Advance(d time.Duration) { m.Set(m.Now().Add(d)) }

// Waiting is how many After or Sleep calls wait for the clock to move.
func (m *Manual) Waiting() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.waiters) }
