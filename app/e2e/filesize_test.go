package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxLines is the most a production .go file may hold: a longer one is
// split by concern. Tests and the fakes of outside services are exempt.
const maxLines = 500

// exempt: the fakes of outside SaaS (they mirror a whole foreign API).
var exempt = []string{"vpbxfake", "sandbox"}

// tooLong lists the production .go files under root longer than maxLines,
// as "path: N lines".
func tooLong(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || slices.Contains(exempt, d.Name())) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n := bytes.Count(b, []byte("\n"))
		if len(b) > 0 && b[len(b)-1] != '\n' {
			n++
		}
		if n > maxLines {
			rel, _ := filepath.Rel(root, p)
			out = append(out, fmt.Sprintf("%s: %d lines", filepath.ToSlash(rel), n))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// No production file in the repository is longer than maxLines.
func TestNoProductionFileOver500Lines(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the repository root is not at %s: %v", root, err)
	}
	if long := tooLong(t, root); len(long) > 0 {
		t.Errorf("production files over %d lines (split them by concern):\n%s", maxLines, strings.Join(long, "\n"))
	}
}

// The rule itself: what counts, what is exempt.
func TestTooLongRule(t *testing.T) {
	lines := func(n int) string { return strings.Repeat("//\n", n) }
	tests := []struct {
		path string
		body string
		long bool
	}{
		{"a/ok.go", lines(500), false},
		{"a/long.go", lines(501), true},
		{"a/nonl.go", lines(500) + "//", true},
		{"a/long_test.go", lines(900), false},
		{"a/notes.md", lines(900), false},
		{"app/mango/vpbxfake/fake.go", lines(900), false},
		{"app/tqm/sandbox/fake.go", lines(900), false},
		{"a/testdata/x.go", lines(900), false},
		{".git/x.go", lines(900), false},
	}
	root := t.TempDir()
	var want []string
	for _, tt := range tests {
		p := filepath.Join(root, filepath.FromSlash(tt.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(tt.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if tt.long {
			want = append(want, tt.path)
		}
	}
	var got []string
	for _, l := range tooLong(t, root) {
		got = append(got, l[:strings.Index(l, ":")])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("too long: %v, want %v", got, want)
	}
}
