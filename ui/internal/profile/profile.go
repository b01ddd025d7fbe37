// Package profile writes CPU, heap and goroutine profiles of the running
// desktop app when MANGOTQM_PROFILE_DIR names a folder: a hidden hook for
// measuring the window at rest (docs/idle.md), not a user-visible option.
package profile

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

// EnvDir names the folder the profiles go to; EnvSettle and EnvWindow are
// durations (default 10 s to settle, then 30 s of CPU profile).
const (
	EnvDir    = "MANGOTQM_PROFILE_DIR"
	EnvSettle = "MANGOTQM_PROFILE_SETTLE"
	EnvWindow = "MANGOTQM_PROFILE_WINDOW"
)

// Start begins profiling in the background when the environment asks for
// it; it returns at once. Profiles: cpu.pprof (the window after settling),
// heap.pprof and goroutine.txt (at its end, after a GC).
func Start(ctx context.Context) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return
	}
	settle, window := durationEnv(EnvSettle, 10*time.Second), durationEnv(EnvWindow, 30*time.Second)
	go func() {
		if err := run(ctx, dir, settle, window); err != nil {
			slog.Warn("profile", "err", err)
		}
	}()
}

func durationEnv(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

func run(ctx context.Context, dir string, settle, window time.Duration) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("profile dir: %w", err)
	}
	if !wait(ctx, settle) {
		return nil
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	wait(ctx, window)
	pprof.StopCPUProfile()
	runtime.GC()
	for name, file := range map[string]string{"heap": "heap.pprof", "goroutine": "goroutine.txt"} {
		f, err := os.Create(filepath.Join(dir, file))
		if err != nil {
			return fmt.Errorf("%s profile: %w", name, err)
		}
		debug := 0
		if name == "goroutine" {
			debug = 1
		}
		err = pprof.Lookup(name).WriteTo(f, debug)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s profile: %w", name, err)
		}
	}
	// Where the resident memory is: the Go heap's own figures and the
	// process's mappings (the rest is C: GL, fonts, SQLite).
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	stats := fmt.Sprintf("HeapInuse %d\nHeapIdle %d\nHeapReleased %d\nHeapSys %d\nStackSys %d\nSys %d\nNumGC %d\n",
		ms.HeapInuse, ms.HeapIdle, ms.HeapReleased, ms.HeapSys, ms.StackSys, ms.Sys, ms.NumGC)
	if err := os.WriteFile(filepath.Join(dir, "memstats.txt"), []byte(stats), 0o644); err != nil {
		return fmt.Errorf("memstats: %w", err)
	}
	if smaps, err := os.ReadFile("/proc/self/smaps"); err == nil {
		if err := os.WriteFile(filepath.Join(dir, "smaps.txt"), smaps, 0o644); err != nil {
			return fmt.Errorf("smaps: %w", err)
		}
	}
	return os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
}

// wait is on the wall clock, not an injected one: profiling is a
// diagnostic hook timing the real process (docs/idle.md).
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
