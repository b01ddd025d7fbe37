// Package clock is the one clock of the bridge: it tells the time and waits.
// Code takes a Clock (default Real) so tests can pass a fake one
// (clocktest.Manual) or run under testing/synctest's fake time.
//
// Production code reads the time and waits only through a Clock. Parts
// with no test seam above them pick Real themselves: the composition roots
// (main, the command line's commands, demo mode) and the store's offline
// salvage and restore, which stamp file names. Left on the time package on
// purpose: deadlines the operating system compares (net.Conn.SetDeadline
// in app/instance), the fakes of outside services (app/tqm/sandbox,
// app/alerts/alertstest), the screenshot tour and the profiling hook.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits. It has the same method set as
// reconcile.Clock, so that one can become an alias of this one.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
	// After is time.After on this clock.
	After(d time.Duration) <-chan time.Time
}

// Real is the wall clock.
type Real struct{}

// Now implements Clock.
func (Real) Now() time.Time { return time.Now() }

// After implements Clock.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Sleep implements Clock.
func (Real) Sleep(ctx context.Context, d time.Duration) error { return Sleep(ctx, d) }

// Or returns c, or Real when c is nil (for Config defaults).
func Or(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}

// Reading is a Clock that reads the time from now (a caller's injected
// time, e.g. the bridge's Options.Now) and waits on the wall clock. A nil
// now reads the wall clock.
func Reading(now func() time.Time) Clock {
	if now == nil {
		return Real{}
	}
	return reading(now)
}

type reading func() time.Time

func (r reading) Now() time.Time                                 { return r() }
func (reading) After(d time.Duration) <-chan time.Time           { return time.After(d) }
func (reading) Sleep(ctx context.Context, d time.Duration) error { return Sleep(ctx, d) }

// Sleep waits d, or until ctx ends: nil after d, ctx's error if it ended
// first (or had ended; a d of zero or less only looks at ctx).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
