package ui

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/store"
)

// BenchmarkDesktopIdle measures the desktop app at rest: the real binary
// in demo mode with its window open over 10,000 calls (spread over the
// last 14 days, so the chart and the table have data), next to a minimal
// Fyne window measured the same way in the same run. Each process gets
// 10 s to settle, then its CPU time over 60 s and its resident memory are
// read from /proc. Run under a display (scripts/bench.sh uses xvfb-run).
func BenchmarkDesktopIdle(b *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		b.Skip("no DISPLAY (scripts/bench.sh runs this under xvfb-run)")
	}
	tmp := b.TempDir()
	app := filepath.Join(tmp, "mangotqm")
	minimal := filepath.Join(tmp, "minimalfyne")
	for bin, pkg := range map[string]string{app: "mangotqm", minimal: "mangotqm/ui/internal/minimalfyne"} {
		if out, err := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, pkg).CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	data := filepath.Join(tmp, "data")
	seed(b, data, 10_000)
	window, settle := 60*time.Second, 10*time.Second
	if s := os.Getenv("MANGOTQM_BENCH_WINDOW"); s != "" { // a shorter run while developing
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatal(err)
		}
		window = d
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		appRSS, appCPU := idle(b, settle, window, app, "--demo", "--data-dir", data, "--lang", "ru")
		minRSS, minCPU := idle(b, settle, window, minimal)
		b.ReportMetric(appRSS, "desktop-RSS-MB")
		b.ReportMetric(appCPU, "desktop-CPU-%")
		b.ReportMetric(minRSS, "minimal-fyne-RSS-MB")
		b.ReportMetric(minCPU, "minimal-fyne-CPU-%")
	}
}

// seed stores n delivered calls received over the last 14 days.
func seed(b *testing.B, dir string, n int) {
	ctx := context.Background()
	s, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("BENCH-%06d", i)
		if _, err := s.Intake(ctx, store.NewCall{Source: calls.SourceCalltracking, CallID: id,
			Raw:    `{"method":"GET","query":"callId=` + id + `"}`,
			Params: `{"callId":"` + id + `","callerNumber":"7495` + fmt.Sprintf("%07d", i) + `","duration":"61"}`,
			Caller: "7495" + fmt.Sprintf("%07d", i), Operator: "Отдел продаж", Started: now, Duration: 61}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	span := (14 * 24 * time.Hour).Milliseconds()
	// Spread over two weeks; one in twenty failed; all done (nothing to send).
	if _, err := db.Exec(`UPDATE calls SET received_at = ? - (id * ?) / ?, status = CASE WHEN id % 20 = 0 THEN ? ELSE ? END,
		delivered_at = received_at, attempts = 1`, now.UnixMilli(), span, n, calls.StatusFailed, calls.StatusDelivered); err != nil {
		b.Fatal(err)
	}
}

// idle runs a program, lets it settle, and returns its resident memory
// (MB) and CPU use (% of one core) over window.
func idle(b *testing.B, settle, window time.Duration, bin string, args ...string) (rssMB, cpuPct float64) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FYNE_THEME=dark")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	time.Sleep(settle) // the window opens and the first reload settles
	t0, c0 := time.Now(), cpuTicks(b, cmd.Process.Pid)
	time.Sleep(window) // the measurement is "CPU over this span", not a wait for an event
	t1, c1 := time.Now(), cpuTicks(b, cmd.Process.Pid)
	const hz = 100 // USER_HZ on Linux
	cpuPct = float64(c1-c0) / hz / t1.Sub(t0).Seconds() * 100
	return rssKB(b, cmd.Process.Pid) / 1024, cpuPct
}

func cpuTicks(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("the program exited: %v", err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

func rssKB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatalf("the program exited: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return v
		}
	}
	return 0
}
