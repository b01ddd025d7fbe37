package memtrim

import (
	"runtime"
	"testing"
)

// sink keeps the test's allocation reachable until the test drops it.
var sink [][]byte

// Release gives freed Go heap back: after dropping a big allocation, the
// pages released to the system grow by most of it.
func TestReleaseReturnsFreedHeap(t *testing.T) {
	var before runtime.MemStats
	sink = make([][]byte, 64)
	for i := range sink {
		sink[i] = make([]byte, 1<<20)
		sink[i][0] = 1
	}
	runtime.ReadMemStats(&before)
	sink = nil
	Release()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := int64(after.HeapReleased) - int64(before.HeapReleased); got < 32<<20 {
		t.Fatalf("released %d bytes after freeing 64 MiB, want at least 32 MiB", got)
	}
}
