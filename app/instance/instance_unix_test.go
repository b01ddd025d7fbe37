//go:build !windows

package instance

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestStaleSocketOfACrashedRunIsReplaced(t *testing.T) {
	dir := tempDir(t)
	if err := os.WriteFile(filepath.Join(dir, socketName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(dir, nil)
	if err != nil {
		t.Fatalf("a leftover socket file blocks the start: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, socketName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Release left the socket: %v", err)
	}
}
