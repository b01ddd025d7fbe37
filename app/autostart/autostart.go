// Package autostart turns "start mangotqm at login" on and off for the
// current user: an XDG autostart entry on Linux, a LaunchAgent on macOS, the
// per-user Run key on Windows (autostart_windows.go).
package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Entry describes what to start.
type Entry struct {
	Name string // file name stem, e.g. "mangotqm"
	Exec string // absolute path of the executable
	Args []string
}

// path of the autostart file; configDir defaults to the OS's.
func path(e Entry, configDir string) (string, error) {
	home, err := os.UserHomeDir()
	if err != nil && configDir == "" {
		return "", fmt.Errorf("find the home directory: %w", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "LaunchAgents", "ru."+e.Name+".plist"), nil
	}
	if configDir == "" {
		configDir = os.Getenv("XDG_CONFIG_HOME")
	}
	if configDir == "" {
		configDir = filepath.Join(home, ".config")
	}
	return filepath.Join(configDir, "autostart", e.Name+".desktop"), nil
}

func content(e Entry) string {
	if runtime.GOOS == "darwin" {
		var args strings.Builder
		for _, a := range append([]string{e.Exec}, e.Args...) {
			fmt.Fprintf(&args, "<string>%s</string>", a)
		}
		return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>Label</key><string>ru.` + e.Name + `</string>
<key>ProgramArguments</key><array>` + args.String() + `</array><key>RunAtLoad</key><true/></dict></plist>
`
	}
	cmd := quote(e.Exec)
	for _, a := range e.Args {
		cmd += " " + quote(a)
	}
	return "[Desktop Entry]\nType=Application\nName=" + e.Name + "\nExec=" + cmd +
		"\nX-GNOME-Autostart-enabled=true\nNoDisplay=false\nTerminal=false\n"
}

func quote(s string) string {
	if !strings.ContainsAny(s, " \"'\\$`") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(s) + `"`
}
