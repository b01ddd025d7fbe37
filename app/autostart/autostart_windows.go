//go:build windows

package autostart

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

const runKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`

func command(e Entry) string {
	parts := []string{`"` + e.Exec + `"`}
	for _, a := range e.Args {
		parts = append(parts, `"`+a+`"`)
	}
	return strings.Join(parts, " ")
}

// Enabled reports whether the Run key names the entry.
func Enabled(e Entry, _ string) (bool, error) {
	err := exec.Command("reg", "query", runKey, "/v", e.Name).Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return false, nil
	}
	return err == nil, err
}

// Set adds or removes the per-user Run value.
func Set(e Entry, _ string, on bool) error {
	var err error
	if on {
		err = exec.Command("reg", "add", runKey, "/v", e.Name, "/t", "REG_SZ", "/d", command(e), "/f").Run()
	} else if ok, _ := Enabled(e, ""); ok {
		err = exec.Command("reg", "delete", runKey, "/v", e.Name, "/f").Run()
	}
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}
