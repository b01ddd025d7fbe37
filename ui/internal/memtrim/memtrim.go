// Package memtrim hands memory the desktop app no longer uses back to the
// system. Building the window and its first reload allocate far more than
// the window keeps (text shaping, font tables, SQLite pages); both the Go
// heap and the C allocator keep such freed memory resident until told
// otherwise, which made an idle window hold tens of MB it did not use
// (docs/idle.md).
package memtrim

import "runtime/debug"

// Release returns freed Go heap pages and free C heap pages to the system.
// It costs a garbage collection: call it when the window has settled, not
// on every change.
func Release() {
	debug.FreeOSMemory()
	trimC()
}
