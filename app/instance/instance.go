// Package instance keeps mangotqm to one running copy per user and data
// directory: a second launch asks the first to bring its window forward and
// exits. It also holds the data folder's owner lock (AcquireOwner), which
// tells a second bridge which process already uses the folder.
//
// The mechanisms differ per OS: a Unix socket in the data folder on Linux
// and macOS (instance_unix.go), a named mutex and a named event on Windows
// (instance_windows.go); the owner lock is flock(2) or LockFileEx.
package instance

import "errors"

// ErrRunning: another copy runs; it was asked to show its window.
var ErrRunning = errors.New("mangotqm is already running")
