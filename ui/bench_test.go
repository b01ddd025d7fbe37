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
	"mangotqm/app/clock/clocktest"
	"mangotqm/store"
)

// BenchmarkDesktopIdle measures the desktop app at rest: the real binary
// in demo mode with its window open over 10,000 calls (spread over the
// last 14 days, so the chart and the table have data), next to a minimal
// Fyne window measured the same way at the same time. Both get 10 s to
// settle, then their CPU time over the same 60 s and their resident memory
// are read from /proc; the time until the app's window shows is measured
// before the minimal window starts. Run under a display (scripts/bench.sh uses xvfb-run).
// The benchmark fails when the app costs more than maxIdleRSS / maxIdleCPU
// times the minimal window (docs/idle.md).
func BenchmarkDesktopIdle(b *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		b.Skip("no DISPLAY (scripts/bench.sh runs this under xvfb-run)")
	}
	tmp := b.TempDir()
	app := filepath.Join(tmp, "mangotqm")
	minimal := filepath.Join(tmp, "minimalfyne")
	// The app as released (productTags); the minimal window as Fyne comes.
	appTags, minTags := productTags, "migrated_fynedo"
	if extra := os.Getenv("MANGOTQM_BENCH_TAGS"); extra != "" { // trying build tags on both
		appTags, minTags = appTags+","+extra, minTags+","+extra
	}
	for bin, build := range map[string][2]string{app: {"mangotqm", appTags}, minimal: {"mangotqm/ui/internal/minimalfyne", minTags}} {
		pkg, tags := build[0], build[1]
		if out, err := exec.Command("go", "build", "-tags", tags, "-o", bin, pkg).CombinedOutput(); err != nil {
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
		// The app alone first: how long its window takes over 10,000 calls.
		t := time.Now()
		appPID, stopApp := launch(b, app, "--demo", "--data-dir", data, "--lang", "ru")
		appStart := windowAfter(b, t, "Mango")
		minPID, stopMin := launch(b, minimal)
		rss, cpu := idle(b, settle, window, appPID, minPID)
		stopApp()
		stopMin()
		appRSS, appCPU, minRSS, minCPU := rss[0], cpu[0], rss[1], cpu[1]
		b.Logf("desktop: %.1f MB, %.2f %% CPU, window after %v; minimal Fyne window: %.1f MB, %.2f %% CPU",
			appRSS, appCPU, appStart.Round(time.Millisecond), minRSS, minCPU)
		b.ReportMetric(appStart.Seconds(), "desktop-start-to-window-s")
		b.ReportMetric(appRSS, "desktop-RSS-MB")
		b.ReportMetric(appCPU, "desktop-CPU-%")
		b.ReportMetric(minRSS, "minimal-fyne-RSS-MB")
		b.ReportMetric(minCPU, "minimal-fyne-CPU-%")
		b.ReportMetric(appRSS/minRSS, "RSS-x-minimal")
		b.ReportMetric(appCPU/minCPU, "CPU-x-minimal")
		for _, msg := range idleOver(appRSS, appCPU, minRSS, minCPU) {
			b.Error(msg)
		}
		if appStart > maxStart {
			b.Errorf("the window over 10,000 calls showed after %v (target ≤ %v)", appStart.Round(time.Millisecond), maxStart)
		}
	}
}

// The idle targets (issue 20): the window over 10,000 calls costs at most
// this many times the minimal Fyne window's resident memory and CPU.
const (
	maxIdleRSS = 1.15
	maxIdleCPU = 1.3
)

// maxStart: a start over 10,000 stored calls (every start after the
// first) shows its window within this.
const maxStart = time.Second

// idleOver lists the targets the desktop app's figures miss.
func idleOver(appRSS, appCPU, minRSS, minCPU float64) []string {
	var out []string
	if appRSS > maxIdleRSS*minRSS {
		out = append(out, fmt.Sprintf("idle RSS %.1f MB is %.2f× the minimal window's %.1f MB (target ≤ %.2f×)",
			appRSS, appRSS/minRSS, minRSS, maxIdleRSS))
	}
	if appCPU > maxIdleCPU*minCPU {
		out = append(out, fmt.Sprintf("idle CPU %.2f %% is %.2f× the minimal window's %.2f %% (target ≤ %.2f×)",
			appCPU, appCPU/minCPU, minCPU, maxIdleCPU))
	}
	return out
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

// launch starts a program with the benchmark's theme; stop kills it (at
// the latest when the benchmark ends).
func launch(b *testing.B, bin string, args ...string) (pid int, stop func()) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FYNE_THEME=dark")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	b.Cleanup(stop) // also when the benchmark fails half-way
	return cmd.Process.Pid, stop
}

// idle lets the programs settle, then measures them side by side over the
// same window (so the machine's other load weighs on both alike): their
// resident memory (MB) and CPU use (% of one core).
func idle(b *testing.B, settle, window time.Duration, pids ...int) (rssMB, cpuPct []float64) {
	time.Sleep(settle) // the windows open and settle: a span of time, no event marks its end
	t0, c0 := time.Now(), make([]int64, len(pids))
	for i, pid := range pids {
		c0[i] = cpuTicks(b, pid)
	}
	time.Sleep(window) // the measurement is "CPU over this span", not a wait for an event
	t1 := time.Now()
	const hz = 100 // USER_HZ on Linux
	for i, pid := range pids {
		cpuPct = append(cpuPct, float64(cpuTicks(b, pid)-c0[i])/hz/t1.Sub(t0).Seconds()*100)
		rssMB = append(rssMB, rssKB(b, pid)/1024)
	}
	return rssMB, cpuPct
}

// windowAfter waits for a mapped window whose name starts with title
// (xwininfo; the name's non-ASCII part may be shown escaped) and returns
// the time since t.
func windowAfter(b *testing.B, t time.Time, title string) time.Duration {
	var shown time.Duration
	viewable := func() bool {
		tree, _ := exec.Command("xwininfo", "-root", "-tree").Output()
		for _, line := range strings.Split(string(tree), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || !strings.HasPrefix(f[1], `"`+title) {
				continue
			}
			if out, err := exec.Command("xwininfo", "-id", f[0]).Output(); err == nil && strings.Contains(string(out), "IsViewable") {
				shown = time.Since(t)
				return true
			}
		}
		return false
	}
	if !clocktest.PollEvery(context.Background(), time.Until(t.Add(30*time.Second)), 20*time.Millisecond, viewable) {
		b.Fatalf("no window %q within 30 s", title)
	}
	return shown
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

// The idle check fails exactly above the targets.
func TestIdleOver(t *testing.T) {
	for _, c := range []struct {
		name                           string
		appRSS, appCPU, minRSS, minCPU float64
		want                           int
	}{
		{"within", 150, 2.5, 140, 2.0, 0},
		{"just within", 160.9, 2.59, 140, 2.0, 0},
		{"memory over", 216, 2.0, 140, 2.0, 1},
		{"cpu over", 140, 3.0, 140, 2.0, 1},
		{"both over (before the fix)", 214.8, 3.78, 139.5, 2.30, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := idleOver(c.appRSS, c.appCPU, c.minRSS, c.minCPU); len(got) != c.want {
				t.Fatalf("idleOver = %q, want %d failures", got, c.want)
			}
		})
	}
}
