//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly || windows)

package store

import "os"

// lockFile is a no-op where no advisory lock is available: Restore then
// cannot tell that a bridge is running.
func lockFile(*os.File, bool) error { return nil }
