//go:build !windows

package instance

import "context"

// WatchQuit: only the Windows installer asks a running copy to quit; here
// there is nothing to watch.
func WatchQuit(onQuit func()) error { return nil }

// RequestQuit: nothing watches outside Windows (see WatchQuit).
func RequestQuit(ctx context.Context) (bool, error) { return false, ctx.Err() }
