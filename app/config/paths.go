package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDataDir is the OS's per-user data directory for mangotqm:
// $XDG_DATA_HOME/mangotqm (~/.local/share/mangotqm) on Linux,
// %LocalAppData%\mangotqm on Windows, ~/Library/Application Support/mangotqm
// on macOS.
func DefaultDataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "mangotqm"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the data directory: %w", err)
		}
		return filepath.Join(home, "Library", "Application Support", "mangotqm"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "mangotqm"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the data directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "mangotqm"), nil
}
