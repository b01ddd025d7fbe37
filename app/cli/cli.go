// Package cli is mangotqm's command-line front end (serve, calls, resend).
package cli

import (
	"fmt"
	"io"
)

// IsCommand reports whether args start with a command-line subcommand (as
// opposed to the desktop app and its flags).
func IsCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "serve", "calls", "resend", "help", "-h", "--help", "version", "--version":
		return true
	}
	return false
}

// Main runs a subcommand and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "not implemented yet")
	return 2
}
