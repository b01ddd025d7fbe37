package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestDesktopCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"unknown command prints the usage", []string{"frobnicate"}, 2, "mangotqm serve"},
		{"unknown flag", []string{"--frobnicate"}, 2, "frobnicate"},
		{"unknown language", []string{"--lang", "de"}, 2, "--lang"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := desktop(tc.args, &out); code != tc.code || !strings.Contains(out.String(), tc.says) {
				t.Fatalf("exit %d, want %d; said:\n%s", code, tc.code, out.String())
			}
		})
	}
}

// Without a display the desktop app says so in one sentence (no GLFW
// panic) and points to serve.
func TestNoDisplayIsOneSentence(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("display detection is by environment on Linux")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	var out bytes.Buffer
	code := desktop([]string{"--data-dir", t.TempDir()}, &out)
	if code != 1 || !strings.Contains(out.String(), "serve") || strings.Contains(out.String(), "goroutine") ||
		strings.Count(strings.TrimSpace(out.String()), "\n") != 0 {
		t.Fatalf("exit %d; said:\n%s", code, out.String())
	}
}
