package e2e

// End-to-end tests of "no call left behind": the real mangotqm binary
// (serve, backfill, calls) against the strict fake Mango VPBX and the
// strict fake TQM, over loopback.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
)

func vpbxEnv() map[string]string {
	env := secretsEnv()
	env[secrets.EnvVar(secrets.MangoVPBXKey)] = vpKey
	env[secrets.EnvVar(secrets.MangoVPBXSalt)] = vpSalt
	return env
}

// mangoCalls adds n answered inbound calls with a recording each, spread
// over [from, to), and returns their entry ids and callers.
func mangoCalls(t *testing.T, m *vpbxfake.Server, prefix string, n int, from, to time.Time) (ids, callers []string) {
	t.Helper()
	audio := testaudio.MP3(t, 2, true)
	step := to.Sub(from) / time.Duration(n)
	for i := range n {
		start := from.Add(time.Duration(i) * step).Truncate(time.Second)
		id := fmt.Sprintf("%s-%03d", prefix, i)
		caller := fmt.Sprintf("7916%07d", 1000*len(prefix)+i)
		m.AddCall(id, caller, "101", start, start.Add(90*time.Second), "rec-"+id)
		m.AddRecording("rec-"+id, audio)
		ids, callers = append(ids, id), append(callers, caller)
	}
	return ids, callers
}

// runBackfill runs "mangotqm backfill" to the end and returns its output.
func runBackfill(t *testing.T, dir, vpbxURL string, args ...string) string {
	t.Helper()
	cmd := backfillCmd(dir, vpbxURL, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mangotqm backfill: %v\n%s", err, out)
	}
	return string(out)
}

func backfillCmd(dir, vpbxURL string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, append([]string{"backfill", "--data-dir", dir, "--vpbx-url", vpbxURL,
		"--secrets", "env", "--lang", "en"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	for k, v := range vpbxEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func moscowDate(t time.Time) string {
	return t.In(time.FixedZone("MSK", 3*3600)).Format("2006-01-02T15:04:05")
}

// Calls only Mango knows are imported when serve starts, delivered with
// their recordings; a calltracking webhook that arrives later for one of
// them is logged as its duplicate and never sent again.
func TestReconcileOnStartAndLateWebhook(t *testing.T) {
	tqm := sandbox.New(tqmKey)
	defer tqm.Close()
	mango := vpbxfake.New(vpKey, vpSalt)
	defer mango.Close()
	now := time.Now()
	ids, callers := mangoCalls(t, mango, "MISSED", 2, now.Add(-40*time.Minute), now.Add(-10*time.Minute))
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: tqm.URL(), env: vpbxEnv(),
		extra: []string{"--vpbx-url", mango.URL(), "--rate", "20"}})
	defer p.stop(t)
	clocktest.Within(t, 60*time.Second, "both missed calls at TQM", func() bool { return len(tqm.Accepted()) >= 2 })
	for _, id := range ids {
		got := tqm.Find(id)
		if len(got) != 1 || !got[0].WithFile {
			t.Fatalf("TQM received %s %d times (with file: %v), want once with the recording", id, len(got), len(got) > 0 && got[0].WithFile)
		}
		if mango.Downloads("rec-"+id) != 1 {
			t.Errorf("recording of %s downloaded %d times", id, mango.Downloads("rec-"+id))
		}
	}
	// The calltracking webhook of the first call arrives late.
	start := now.Add(-40 * time.Minute).Truncate(time.Second)
	late := webhook{callID: "CT-LATE-1", start: start.Add(20 * time.Second), end: start.Add(90 * time.Second),
		caller: "+" + callers[0], group: "Отдел продаж", record: "https://records.example.test/late.mp3"}
	if code, err := send(context.Background(), p.url, late); err != nil || code != 200 {
		t.Fatalf("late webhook: %d %v", code, err)
	}
	var lateRow callRecord
	clocktest.Within(t, 30*time.Second, "the late webhook judged", func() bool {
		for _, c := range listCalls(t, dir) {
			if c.CallID == late.callID && c.Status != "queued" && c.Status != "sending" {
				lateRow = c
				return true
			}
		}
		return false
	})
	if lateRow.Status != "duplicate" {
		t.Fatalf("late webhook is %s (%s), want duplicate of the reconciled call", lateRow.Status, lateRow.LastError)
	}
	if n := len(tqm.Find(late.callID)) + len(tqm.Find(ids[0])); n != 1 {
		t.Fatalf("the call reached TQM %d times", n)
	}
	sources := map[string]int{}
	out, err := exec.Command(binary, "calls", "--data-dir", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		for _, s := range []string{"reconcile", "calltracking"} {
			if strings.Contains(l, " "+s+" ") {
				sources[s]++
			}
		}
	}
	if sources["reconcile"] != 2 || sources["calltracking"] != 1 {
		t.Fatalf("mangotqm calls shows sources %v:\n%s", sources, out)
	}
}

// A backfill of an older range while serve runs: the running bridge
// delivers what the separate backfill process stored.
func TestBackfillWhileServeRuns(t *testing.T) {
	tqm := sandbox.New(tqmKey)
	defer tqm.Close()
	mango := vpbxfake.New(vpKey, vpSalt, vpbxfake.WithStatsReady(0, 0))
	defer mango.Close()
	from := time.Now().AddDate(0, -2, 0).Truncate(time.Hour)
	ids, _ := mangoCalls(t, mango, "OLD", 5, from, from.Add(10*24*time.Hour))
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: tqm.URL(), env: vpbxEnv(),
		extra: []string{"--vpbx-url", mango.URL(), "--rate", "20"}})
	defer p.stop(t)
	clocktest.Within(t, 30*time.Second, "the bridge's heartbeat", func() bool {
		out, _ := backfillCmd(dir, mango.URL(), "--from", moscowDate(from.Add(-time.Hour)), "--to", moscowDate(from.Add(-time.Minute))).CombinedOutput()
		return strings.Contains(string(out), "running bridge (process")
	})
	out := runBackfill(t, dir, mango.URL(), "--from", moscowDate(from.Add(-time.Hour)), "--to", moscowDate(from.Add(11*24*time.Hour)))
	if !strings.Contains(out, "Done: calls found 5, new 5") || !strings.Contains(out, "running bridge") {
		t.Fatalf("backfill output:\n%s", out)
	}
	clocktest.Within(t, 60*time.Second, "the backfilled calls at TQM (within a minute)", func() bool {
		for _, id := range ids {
			if len(tqm.Find(id)) == 0 {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		if n := len(tqm.Find(id)); n != 1 {
			t.Errorf("TQM received %s %d times", id, n)
		}
	}
}

// SIGKILL in the middle of a backfill, then a rerun: every call exactly
// once. (No bridge runs: the backfill says so.)
func TestBackfillKilledThenRerun(t *testing.T) {
	mango := vpbxfake.New(vpKey, vpSalt, vpbxfake.WithStatsReady(0, 0))
	defer mango.Close()
	from := time.Now().AddDate(0, -3, 0).Truncate(time.Hour)
	to := from.Add(55 * 24 * time.Hour) // two requests
	ids, _ := mangoCalls(t, mango, "KILL", 40, from, to)
	dir := t.TempDir()
	cmd := backfillCmd(dir, mango.URL(), "--from", moscowDate(from), "--to", moscowDate(to))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	firstChunk := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Request 1 of 2") {
				once.Do(func() { close(firstChunk) })
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case <-firstChunk:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the backfill never finished its first request")
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	out := runBackfill(t, dir, mango.URL(), "--from", moscowDate(from), "--to", moscowDate(to))
	if !strings.Contains(out, "Resuming") || !strings.Contains(out, "No mangotqm bridge is running") ||
		!strings.Contains(out, "mangotqm serve --data-dir") {
		t.Fatalf("rerun output:\n%s", out)
	}
	seen := map[string]int{}
	for _, c := range listCalls(t, dir) {
		seen[c.CallID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("call %s stored %d times", id, seen[id])
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("%d rows, want %d", len(seen), len(ids))
	}
}
