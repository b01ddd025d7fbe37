package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"mangotqm/app/secrets"
)

// The composition root builds what the desktop app runs: with --demo the
// demo, else the bridge, each on the data folder given — the UI only calls
// the opener.
func TestOpener(t *testing.T) {
	for _, tc := range []struct {
		name string
		demo bool
	}{{"bridge", false}, {"demo", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "data")
			b, err := opener(tc.demo, dir, secrets.NewMemory(nil), slog.New(slog.DiscardHandler))(ctx, "ru")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close(ctx) })
			if b.Demo() != tc.demo {
				t.Errorf("Demo() = %v, want %v", b.Demo(), tc.demo)
			}
			if b.DataDir() != dir {
				t.Errorf("DataDir() = %q, want %q", b.DataDir(), dir)
			}
		})
	}
}

// A folder that cannot hold the database is an error, not a half-open
// backend (no nil pointer inside a non-nil interface).
func TestOpenerError(t *testing.T) {
	for _, isDemo := range []bool{false, true} {
		b, err := opener(isDemo, "/dev/null/data", secrets.NewMemory(nil), slog.New(slog.DiscardHandler))(context.Background(), "ru")
		if err == nil || b != nil {
			t.Errorf("demo=%v: got %v, %v; want nil and an error", isDemo, b, err)
		}
	}
}
