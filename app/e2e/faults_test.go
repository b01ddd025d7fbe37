package e2e

// Fault tests of the real "mangotqm serve" (issue 12): bad input, a full
// disk, a database deleted or damaged, a hanging or rate-limiting TQM, a
// rejected key, slow clients. Each runs the binary built by TestMain against
// the strict fake TQM on loopback.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/store"
)

// rawRequest sends method and target (path?query, byte for byte: a lone
// '%' stays) with body to the webhook URL's host and returns the status
// (0 when there was no answer).
func rawRequest(t testing.TB, webhookURL, method, target, contentType, body string) int {
	t.Helper()
	u := strings.TrimPrefix(webhookURL, "http://")
	host, _, _ := strings.Cut(u, "/")
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return 0
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	if body != "" || method == http.MethodPost {
		req += fmt.Sprintf("Content-Type: %s\r\nContent-Length: %d\r\n", contentType, len(body))
	}
	if _, err := io.WriteString(c, req+"\r\n"+body); err != nil {
		return 0
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// pathOf is the webhook URL's path (with the secret).
func pathOf(webhookURL string) string {
	u := strings.TrimPrefix(webhookURL, "http://")
	_, p, _ := strings.Cut(u, "/")
	return "/" + p
}

func passthrough(extra ...string) []string {
	return append([]string{"--audio", "passthrough", "--rate", "100",
		"--retry-schedule", strings.TrimSuffix(strings.Repeat("100ms,", 10), ",")}, extra...)
}

func statusOf(t testing.TB, dir string) map[string]callRecord {
	t.Helper()
	m := map[string]callRecord{}
	for _, c := range listCalls(t, dir) {
		if c.CallID != "" {
			m[c.CallID] = c
		}
	}
	return m
}

func allDelivered(t testing.TB, dir string, ids ...string) func() bool {
	return func() bool {
		m := statusOf(t, dir)
		for _, id := range ids {
			if m[id].Status != string(calls.StatusDelivered) {
				return false
			}
		}
		return true
	}
}

// TestFaultStrayCharacters: a ';' and a lone '%' in parameters nobody maps
// do not make the call invalid: it is delivered with the right fields. A
// HEAD request is answered and stores nothing.
func TestFaultStrayCharacters(t *testing.T) {
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: passthrough()})
	defer p.stop(t)
	if code := rawRequest(t, p.url, http.MethodHead, pathOf(p.url)+"?callId=HEAD-1", "", ""); code != 200 {
		t.Fatalf("HEAD answered %d", code)
	}
	end := time.Now().Add(-time.Minute).Truncate(time.Second)
	hooks := map[string]string{"SEMI-1": "&utm_content=a;b", "PCT-1": "&utm_term=100%", "BOTH-1": "&utm_content=a;b&utm_term=50%"}
	for id, extra := range hooks {
		h := newWebhook(id, end)
		if code := rawRequest(t, p.url, http.MethodGet, pathOf(p.url)+"?"+h.query()+extra, "", ""); code != 200 {
			t.Fatalf("%s answered %d", id, code)
		}
	}
	post := newWebhook("FORM-1", end)
	if code := rawRequest(t, p.url, http.MethodPost, pathOf(p.url), "application/x-www-form-urlencoded", post.query()+"&utm_term=100%"); code != 200 {
		t.Fatalf("form POST answered %d", code)
	}
	ids := []string{"SEMI-1", "PCT-1", "BOTH-1", "FORM-1"}
	clocktest.Within(t, 20*time.Second, "calls with stray characters delivered", allDelivered(t, dir, ids...))
	for _, id := range ids {
		got := fake.Find(id)
		if len(got) != 1 || got[0].Fields["fileLink"] != "https://records.example.test/"+id+".mp3" ||
			got[0].Fields["clientPhoneNumber"] != newWebhook(id, end).caller {
			t.Fatalf("%s at TQM: %+v", id, got)
		}
	}
	if n := len(listCalls(t, dir)); n != len(ids) {
		t.Fatalf("%d calls stored, want %d (HEAD must store nothing)", n, len(ids))
	}
}

// runServeToFail runs "mangotqm serve" expecting it to refuse to start; it
// returns what it printed.
func runServeToFail(t *testing.T, dir, tqmURL string) string {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--tunnel", "none",
		"--tqm-url", tqmURL, "--secrets", "env", "--audio", "passthrough")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	for k, v := range secretsEnv() {
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
		<-done
		t.Fatalf("serve did not refuse to start within 30 s:\n%s", out)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || strings.Contains(string(out), "webhook-url:") {
		t.Fatalf("serve started (or failed oddly: %v):\n%s", err, out)
	}
	return string(out)
}

// TestFaultDatabaseGoneOrDamagedBetweenRuns: a deleted or damaged database
// is refused at start with the file and the way back named; the backup
// brings every call back; no empty database is created silently.
func TestFaultDatabaseGoneOrDamagedBetweenRuns(t *testing.T) {
	for _, fault := range []string{"deleted", "damaged"} {
		t.Run(fault, func(t *testing.T) {
			fake := sandbox.New(tqmKey)
			defer fake.Close()
			dir := t.TempDir()
			p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: passthrough()})
			end := time.Now().Add(-time.Minute)
			var ids []string
			for i := 0; i < 30; i++ {
				id := fmt.Sprintf("DB-%s-%d", fault, i)
				ids = append(ids, id)
				if code, err := send(context.Background(), p.url, newWebhook(id, end)); err != nil || code != 200 {
					t.Fatalf("webhook: %d %v", code, err)
				}
			}
			clocktest.Within(t, 20*time.Second, "delivered", allDelivered(t, dir, ids...))
			p.stop(t)
			// The daily backup (store.RunBackups in the bridge).
			st, err := store.Open(context.Background(), dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			backup, err := st.Backup(context.Background(), store.BackupDir(dir))
			if err != nil {
				t.Fatal(err)
			}
			_ = st.Close()

			db := filepath.Join(dir, store.FileName)
			switch fault {
			case "deleted":
				for _, sfx := range []string{"", "-wal", "-shm"} {
					_ = os.Remove(db + sfx)
				}
			case "damaged":
				f, err := os.OpenFile(db, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				fi, _ := f.Stat()
				for off := int64(4096); off < fi.Size(); off += 8192 {
					_, _ = f.WriteAt([]byte(strings.Repeat("\x00\xff", 2048)), off)
				}
				_ = f.Close()
			}
			out := runServeToFail(t, dir, fake.URL())
			for _, want := range []string{db, backup, "restore"} {
				if !strings.Contains(out, want) {
					t.Errorf("the refusal does not name %q:\n%s", want, out)
				}
			}
			if fault == "deleted" {
				if _, err := os.Stat(db); err == nil {
					t.Error("an empty database was created")
				}
			}
			// The way back (mangotqm restore --from BACKUP).
			if _, err := store.Restore(context.Background(), dir, backup); err != nil {
				t.Fatal(err)
			}
			p = startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: passthrough()})
			p.stop(t)
			m := statusOf(t, dir)
			for _, id := range ids {
				if m[id].Status != string(calls.StatusDelivered) {
					t.Fatalf("after restore %s is %q", id, m[id].Status)
				}
			}
		})
	}
}

// TestFaultDatabaseDeletedWhileRunning: webhooks are never answered 200
// into a deleted database file.
func TestFaultDatabaseDeletedWhileRunning(t *testing.T) {
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: passthrough()})
	defer p.kill()
	end := time.Now().Add(-time.Minute)
	if code, err := send(context.Background(), p.url, newWebhook("DEL-0", end)); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	if err := os.Remove(filepath.Join(dir, store.FileName)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		code, err := send(context.Background(), p.url, newWebhook(fmt.Sprint("DEL-", i), end))
		if err != nil || code != http.StatusServiceUnavailable {
			t.Fatalf("webhook into a deleted database: %d %v, want 503", code, err)
		}
	}
}

// TestFaultDiskFull: with the data folder on a full tmpfs, webhooks get 503
// (never 200) while they cannot be stored; once space returns intake and
// delivery recover by themselves, and every acknowledged call is kept.
func TestFaultDiskFull(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root): %v %s", err, out)
	}
	defer func() { _ = exec.Command("umount", "-l", mnt).Run() }()
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	dir := filepath.Join(mnt, "data")
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: passthrough()})
	end := time.Now().Add(-time.Minute)
	pad := strings.Repeat("x", 60<<10) // 60 KiB of padding per webhook
	acked := map[string]bool{}
	saw503 := false
	for i := 0; i < 200 && !saw503; i++ {
		id := fmt.Sprint("FULL-", i)
		body := newWebhook(id, end).query() + "&pad=" + pad
		switch code := rawRequest(t, p.url, http.MethodPost, pathOf(p.url), "application/x-www-form-urlencoded", body); code {
		case 200:
			acked[id] = true
		case http.StatusServiceUnavailable:
			saw503 = true
		default:
			t.Fatalf("webhook %s on a full disk answered %d", id, code)
		}
	}
	if !saw503 {
		t.Fatal("the disk never filled up")
	}
	if out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	var after []string
	clocktest.Within(t, 30*time.Second, "intake to recover", func() bool {
		id := fmt.Sprint("AFTER-", len(after))
		if code, _ := send(context.Background(), p.url, newWebhook(id, end)); code == 200 {
			acked[id] = true
			after = append(after, id)
			return true
		}
		return false
	})
	ids := make([]string, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	clocktest.Within(t, 60*time.Second, "every acknowledged call delivered", allDelivered(t, dir, ids...))
	p.stop(t)
	m := statusOf(t, dir)
	for id := range acked {
		if _, ok := m[id]; !ok {
			t.Errorf("acknowledged call %s is lost", id)
		}
	}
	t.Logf("%d webhooks acknowledged before and after the disk filled up", len(acked))
}

// TestFaultTQMHangs: a TQM that accepts the connection and never answers
// costs one request deadline; the call is retried and delivered once TQM
// answers again.
func TestFaultTQMHangs(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 30 s TQM request deadline")
	}
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	fake.SetDelay(time.Hour)
	dir := t.TempDir()
	// The retry waits 15 s: long enough to be seen, and to let TQM recover.
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(),
		extra: []string{"--audio", "passthrough", "--retry-schedule", "15s,100ms,100ms"}})
	defer p.stop(t)
	if code, err := send(context.Background(), p.url, newWebhook("HANG-1", time.Now().Add(-time.Minute))); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	clocktest.Within(t, 60*time.Second, "the hanging try to end at its deadline", func() bool {
		c := statusOf(t, dir)["HANG-1"]
		return c.LastError != "" && c.Status != string(calls.StatusSending)
	})
	c := statusOf(t, dir)["HANG-1"]
	if c.Status != string(calls.StatusRetrying) || !strings.Contains(strings.ToLower(c.LastError), "timeout") &&
		!strings.Contains(c.LastError, "deadline") {
		t.Fatalf("after the deadline: %+v", c)
	}
	fake.SetDelay(0)
	clocktest.Within(t, 30*time.Second, "delivered after TQM answers again", allDelivered(t, dir, "HANG-1"))
}

// recordingServer serves an MP3 for every path (a recording link that
// downloads without credentials).
func recordingServer(t *testing.T) *httptest.Server {
	t.Helper()
	mp3 := testaudio.MP3(t, 9, true)
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		_, _ = w.Write(mp3)
	}))
	t.Cleanup(rec.Close)
	return rec
}

// TestFaultRetryAfter: a 429 with Retry-After holds every request back
// until then and does not use up one of the call's tries. (Recordings are
// uploaded, the default audio mode.)
func TestFaultRetryAfter(t *testing.T) {
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	fake.FailNextRetryAfter(1, http.StatusTooManyRequests, "2")
	rec := recordingServer(t)
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: []string{"--rate", "50"}})
	defer p.stop(t)
	end := time.Now().Add(-time.Minute)
	var ids []string
	for i := 0; i < 5; i++ {
		id := fmt.Sprint("RA-", i)
		ids = append(ids, id)
		h := newWebhook(id, end)
		h.record = rec.URL + "/" + id + ".mp3"
		if code, err := send(context.Background(), p.url, h); err != nil || code != 200 {
			t.Fatalf("webhook: %d %v", code, err)
		}
	}
	clocktest.Within(t, 30*time.Second, "all delivered", allDelivered(t, dir, ids...))
	rej := fake.Rejected()
	if len(rej) != 1 || rej[0].Status != 429 {
		t.Fatalf("rejections %+v", rej)
	}
	// Requests already on their way when the 429 came back may land just
	// after it; none may start later until Retry-After is over.
	for _, a := range fake.Accepted() {
		if d := a.At.Sub(rej[0].At); d > 300*time.Millisecond && d < 1900*time.Millisecond {
			t.Fatalf("a request %v after the 429 with Retry-After: 2", d)
		}
	}
	if last := fake.Accepted()[len(fake.Accepted())-1]; last.At.Sub(rej[0].At) < 1900*time.Millisecond {
		t.Fatalf("the rate-limited call was sent again %v after the 429", last.At.Sub(rej[0].At))
	}
	for id, c := range statusOf(t, dir) {
		if c.Attempts != 1 {
			t.Errorf("%s used %d tries; the 429 must not count", id, c.Attempts)
		}
	}
}

// TestFaultRejectedKey: a 401 pauses sending (saved); a restart with the
// same key says it is paused and sends nothing; a restart with the
// corrected key resumes by itself.
func TestFaultRejectedKey(t *testing.T) {
	fake := sandbox.New("the-corrected-key-0123456789")
	defer fake.Close()
	rec := recordingServer(t)
	dir := t.TempDir()
	env := secretsEnv() // carries the old key, tqmKey
	opts := serveOpts{dataDir: dir, tqmURL: fake.URL(), env: env, extra: []string{"--rate", "50"}}
	p := startServe(t, opts)
	h := newWebhook("KEY-1", time.Now().Add(-time.Minute))
	h.record = rec.URL + "/KEY-1.mp3"
	if code, err := send(context.Background(), p.url, h); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	clocktest.Within(t, 20*time.Second, "the 401 to pause sending", func() bool {
		return strings.Contains(p.stderr.String(), "TQM rejected the access key")
	})
	p.stop(t)
	requests := fake.Stats().Requests

	p = startServe(t, opts)
	clocktest.Within(t, 20*time.Second, "the paused-at-start log line", func() bool {
		return strings.Contains(p.stderr.String(), "delivery is paused: TQM rejected the access key")
	})
	p.stop(t)
	if n := fake.Stats().Requests; n != requests {
		t.Fatalf("%d requests with the rejected key after a restart", n-requests)
	}

	fixed := map[string]string{}
	for k, v := range env {
		fixed[k] = v
	}
	fixed["MANGOTQM_TQM_KEY"] = "the-corrected-key-0123456789"
	opts.env = fixed
	p = startServe(t, opts)
	defer p.stop(t)
	clocktest.Within(t, 20*time.Second, "delivered with the corrected key", allDelivered(t, dir, "KEY-1"))
	if !strings.Contains(p.stderr.String(), "access key was changed") {
		t.Fatalf("no log line about resuming:\n%s", p.stderr.String())
	}
	for _, k := range []string{tqmKey, "the-corrected-key-0123456789"} {
		if strings.Contains(p.stderr.String(), k) {
			t.Fatal("a TQM key reached the log")
		}
	}
}

// TestFaultSlowClients: 500 connections that send their headers slowly do
// not keep real webhooks from being stored.
func TestFaultSlowClients(t *testing.T) {
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: passthrough()})
	defer p.stop(t)
	host, _, _ := strings.Cut(strings.TrimPrefix(p.url, "http://"), "/")
	var mu sync.Mutex
	var slow []net.Conn
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range slow {
			_ = c.Close()
		}
	}()
	for i := 0; i < 500; i++ {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		slow = append(slow, c)
		mu.Unlock()
		fmt.Fprintf(c, "GET %s?callId=SLOW-%d HTTP/1.1\r\nHost: %s\r\nX-Slow: ", pathOf(p.url), i, host)
	}
	end := time.Now().Add(-time.Minute)
	var ids []string
	for i := 0; i < 20; i++ {
		id := fmt.Sprint("REAL-", i)
		ids = append(ids, id)
		start := time.Now()
		code, err := send(context.Background(), p.url, newWebhook(id, end))
		if err != nil || code != 200 {
			t.Fatalf("webhook behind 500 slow connections: %d %v", code, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("webhook took %v behind slow connections", d)
		}
	}
	clocktest.Within(t, 20*time.Second, "real webhooks delivered", allDelivered(t, dir, ids...))
	if n := len(listCalls(t, dir)); n != len(ids) {
		t.Fatalf("%d calls stored, want %d", n, len(ids))
	}
}
