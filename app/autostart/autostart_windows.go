//go:build windows

package autostart

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// runKey is the per-user Run key under HKEY_CURRENT_USER. The registry is
// written directly: running reg.exe from the windowless app would flash a
// console window.
const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// command is the Run value: the quoted executable, then the quoted arguments.
// The NSIS installer writes the same form (packaging/windows/installer.nsi).
func command(e Entry) string {
	parts := []string{`"` + e.Exec + `"`}
	for _, a := range e.Args {
		parts = append(parts, `"`+a+`"`)
	}
	return strings.Join(parts, " ")
}

// Enabled reports whether the Run key names the entry.
func Enabled(e Entry, _ string) (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read start at login: %w", err)
	}
	defer k.Close()
	_, _, err = k.GetStringValue(e.Name)
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read start at login: %w", err)
	}
	return true, nil
}

// Set adds or removes the per-user Run value.
func Set(e Entry, _ string, on bool) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	defer k.Close()
	if on {
		err = k.SetStringValue(e.Name, command(e))
	} else if err = k.DeleteValue(e.Name); errors.Is(err, registry.ErrNotExist) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}
