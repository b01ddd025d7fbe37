package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"mangotqm/app/tqm/sandbox"
)

// TestSecondServeOnOneFolderIsRefused: two bridges on one data folder would
// both deliver; the second is refused with a plain message naming the
// first one's PID, and the first keeps working.
func TestSecondServeOnOneFolderIsRefused(t *testing.T) {
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	dir := t.TempDir()
	first := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: []string{"--audio", "passthrough"}})
	defer first.stop(t)

	cmd := exec.Command(binary, "serve", "--lang", "en", "--data-dir", dir, "--listen", "127.0.0.1:0", "--tqm-url", fake.URL(), "--secrets", "env")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	for k, v := range secretsEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a second serve on the same folder ran:\n%s", out)
	}
	pid := strconv.Itoa(first.cmd.Process.Pid)
	if wineMode {
		pid = "PID" // under Wine the process we started is the wrapper, not mangotqm.exe
	}
	if !strings.Contains(string(out), "already running") || !strings.Contains(string(out), pid) {
		t.Fatalf("the refusal does not name the first bridge (PID %s):\n%s", pid, out)
	}
	// The first one still takes calls.
	if code, err := send(t.Context(), first.url, newWebhook("OWN-1", time.Now().Add(-time.Minute).Truncate(time.Second))); err != nil || code != 200 {
		t.Fatalf("the first bridge after the refused second: %d %v", code, err)
	}
}
