package instance

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// tempDir is t.TempDir without os.RemoveAll: these tests also run as a
// Windows binary under Wine 8, where Go 1.26's RemoveAll fails ("unlinkat:
// Invalid function") while plain os.Remove works.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mangotqm-instance-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var paths []string
		_ = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			paths = append(paths, p)
			return err
		})
		slices.Reverse(paths)
		for _, p := range paths {
			if err := os.Remove(p); err != nil {
				t.Errorf("clean up: %v", err)
			}
		}
	})
	return dir
}
