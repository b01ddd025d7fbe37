//go:build linux && cgo

package memtrim

/*
#include <malloc.h>
*/
import "C"

// trimC asks glibc to give every arena's free pages back (malloc_trim(0)
// also releases whole free pages inside the heap, not only its top).
func trimC() { C.malloc_trim(0) }
