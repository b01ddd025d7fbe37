//go:build !windows

package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Enabled reports whether the entry starts at login. configDir "" = the OS's.
func Enabled(e Entry, configDir string) (bool, error) {
	p, err := path(e, configDir)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Set turns starting at login on or off.
func Set(e Entry, configDir string, on bool) error {
	p, err := path(e, configDir)
	if err != nil {
		return err
	}
	if !on {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("turn off start at login: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("turn on start at login: %w", err)
	}
	if err := os.WriteFile(p, []byte(content(e)), 0o644); err != nil {
		return fmt.Errorf("turn on start at login: %w", err)
	}
	return nil
}
