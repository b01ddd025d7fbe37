//go:build !linux || !cgo

package memtrim

// trimC: nothing to do where the C allocator is not glibc's.
func trimC() {}
