package e2e

// The poll road end to end: the real `mangotqm serve --tunnel poll` against
// the strict fake Mango VPBX and the strict fake TQM; no webhook is ever
// sent, and serve offers no address to send one to.

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/tqm/sandbox"
)

// pollServe is a running `serve --tunnel poll`; lines has what it printed.
type pollServe struct {
	*proc
	lines chan string
}

// startPollServe starts serve on the poll road and waits for its "poll:"
// line; it fails the test if serve prints a webhook address.
func startPollServe(t testing.TB, dir, tqmURL, vpbxURL, every string, env map[string]string) *pollServe {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--data-dir", dir, "--tunnel", "poll", "--poll-every", every,
		"--vpbx-url", vpbxURL, "--tqm-url", tqmURL, "--secrets", "env", "--rate", "20")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &pollServe{proc: &proc{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}, lines: make(chan string, 16)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
		close(p.lines)
	}()
	select {
	case l := <-p.lines:
		if strings.HasPrefix(l, "webhook-url:") || !strings.HasPrefix(l, "poll: ") || !strings.Contains(l, every) {
			p.kill()
			t.Fatalf("serve --tunnel poll printed %q, want one poll: line naming every %s", l, every)
		}
	case <-p.exited:
		t.Fatalf("serve --tunnel poll exited: %v\n%s", p.waitErr, p.stderr.String())
	case <-time.After(60 * time.Second):
		p.kill()
		t.Fatalf("serve --tunnel poll printed nothing within a minute\n%s", p.stderr.String())
	}
	return p
}

// Calls that end while serve runs on the poll road reach TQM with their
// recordings, with no webhook; Mango's spacing holds and no invalid request
// is made; a restart resumes without sending anything twice.
func TestPollRoadEndToEnd(t *testing.T) {
	tqm := sandbox.New(tqmKey)
	defer tqm.Close()
	mango := vpbxfake.New(vpKey, vpSalt, vpbxfake.WithStatsReady(1, 0)) // the first stats/result answers 204
	defer mango.Close()
	audio := testaudio.MP3(t, 2, true)
	add := func(id, caller string, end time.Time) {
		mango.AddCall(id, caller, "101", end.Add(-70*time.Second), end, "rec-"+id)
		mango.AddRecording("rec-"+id, audio)
	}
	dir := t.TempDir()
	before := time.Now().Add(-20 * time.Minute)
	add("POLL-OLD", "79161110001", before) // ended before serve started: the first poll's look back
	p := startPollServe(t, dir, tqm.URL(), mango.URL(), "30s", vpbxEnv())
	clocktest.Within(t, 60*time.Second, "the call that ended before the start at TQM", func() bool { return tqm.CountByID("POLL-OLD") == 1 })

	// Calls end while serve runs.
	ends := map[string]time.Time{}
	for _, id := range []string{"POLL-A", "POLL-B"} {
		ends[id] = time.Now()
		add(id, "7916111"+id[len(id)-1:]+"002", ends[id])
	}
	clocktest.Within(t, 90*time.Second, "calls that ended while serve runs at TQM", func() bool {
		return tqm.CountByID("POLL-A") == 1 && tqm.CountByID("POLL-B") == 1
	})
	for id, end := range ends {
		got := tqm.Find(id)
		if !got[0].WithFile {
			t.Errorf("%s reached TQM without its recording", id)
		}
		if d := got[0].At.Sub(end); d > 90*time.Second {
			t.Errorf("%s reached TQM %s after it ended at a 30 s poll", id, d)
		}
	}
	p.stop(t)

	// A restart: one more call; nothing sent twice.
	add("POLL-C", "79161110004", time.Now())
	p = startPollServe(t, dir, tqm.URL(), mango.URL(), "30s", vpbxEnv())
	clocktest.Within(t, 60*time.Second, "the call after the restart at TQM", func() bool { return tqm.CountByID("POLL-C") == 1 })
	// The first poll after the restart looks hours back: it saw the three
	// earlier calls again, as known.
	if !strings.Contains(p.stderr.String(), `"known":3`) {
		t.Errorf("the first poll after the restart did not see the 3 earlier calls as known:\n%s", p.stderr.String())
	}
	p.stop(t)

	for id, n := range tqm.AcceptedIDs() {
		if n != 1 {
			t.Errorf("%s reached TQM %d times", id, n)
		}
	}
	if len(tqm.AcceptedIDs()) != 4 {
		t.Errorf("TQM has %v, want the 4 calls", tqm.AcceptedIDs())
	}
	if rows := listCalls(t, dir); len(rows) != 4 {
		t.Errorf("the data folder has %d calls, want 4 (no duplicates)", len(rows))
	}
	reqs := mango.RequestsTo("stats/request")
	for i := 1; i < len(reqs); i++ {
		if d := reqs[i].Sub(reqs[i-1]); d < 2*time.Second {
			t.Errorf("stats/request %d only %s after the one before (Mango allows one per 2 s)", i, d)
		}
	}
	if len(mango.InvalidRequests()) > 0 {
		t.Errorf("invalid requests to Mango: %v", mango.InvalidRequests())
	}
}

// Without the VPBX code and signing key, serve --tunnel poll exits at once,
// non-zero, naming them; a poll interval under 30 s and a plain-http
// --public-url are refused naming the setting.
func TestPollRoadRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"poll without VPBX keys", []string{"--tunnel", "poll"}, secretsEnv(), []string{"MANGOTQM_MANGO_VPBX_KEY", "MANGOTQM_MANGO_VPBX_SALT"}},
		{"poll every 10s", []string{"--tunnel", "poll", "--poll-every", "10s"}, vpbxEnv(), []string{"poll-every"}},
		{"own address over http", []string{"--tunnel", "none", "--public-url", "http://pbx.example.ru"}, secretsEnv(), []string{"--public-url", "https"}},
		{"unknown road", []string{"--tunnel", "tuna"}, secretsEnv(), []string{"--tunnel"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(binary, append([]string{"serve", "--data-dir", dir, "--secrets", "env", "--lang", "en"}, tc.args...)...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
			for k, v := range tc.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			done := make(chan struct{})
			var out []byte
			var err error
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("serve did not exit at once")
			}
			if err == nil {
				t.Fatalf("serve exited 0:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "webhook-url:") {
				t.Errorf("printed a webhook address:\n%s", out)
			}
		})
	}
}
