//go:build linux || freebsd || openbsd || netbsd

package main

import "os"

// displayAvailable reports whether a graphical session is there (X11 or
// Wayland); without one the desktop app cannot open a window.
func displayAvailable() bool {
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
