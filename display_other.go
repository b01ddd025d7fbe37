//go:build !(linux || freebsd || openbsd || netbsd)

package main

// displayAvailable: Windows and macOS always have a desktop session when
// the app is started from it.
func displayAvailable() bool { return true }
