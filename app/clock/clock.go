// Package clock has the one context-aware wait the bridge's loops use.
package clock

import (
	"context"
	"time"
)

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
