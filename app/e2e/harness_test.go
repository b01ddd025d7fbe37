package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mangotqm-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if binary, err = prepareBinary(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// serveOpts describe one run of "mangotqm serve".
type serveOpts struct {
	dataDir string
	listen  string // default 127.0.0.1:0
	tqmURL  string
	tqmAPI  string
	env     map[string]string // MANGOTQM_* secrets
	extra   []string
}

// proc is a running "mangotqm serve".
type proc struct {
	cmd     *exec.Cmd
	url     string // calltracking webhook URL
	stderr  *syncBuffer
	exited  chan struct{}
	waitErr error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServe(t testing.TB, o serveOpts) *proc {
	t.Helper()
	if o.listen == "" {
		o.listen = "127.0.0.1:0"
	}
	args := []string{"serve", "--data-dir", o.dataDir, "--listen", o.listen, "--tunnel", "none",
		"--tqm-url", o.tqmURL, "--secrets", "env"}
	if o.tqmAPI != "" {
		args = append(args, "--tqm-api", o.tqmAPI)
	}
	args = append(args, o.extra...)
	for attempt := 1; ; attempt++ {
		p, silentExit := tryServe(t, args, o)
		if p != nil {
			return p
		}
		// Under Wine, a wine started just as the previous test's last Wine
		// process ended can meet the Wine server on its way out: it exits
		// 1 at once without a word (WINEDEBUG=-all). mangotqm.exe itself
		// always says why it stops, so only such a silent exit is retried.
		if !wineMode || !silentExit || attempt == 3 {
			t.Fatalf("mangotqm serve exited before it was ready (attempt %d)", attempt)
		}
		t.Logf("wine exited at once without output (attempt %d); starting mangotqm.exe again", attempt)
	}
}

// tryServe starts serve once and waits for its webhook-url line. A nil proc
// means it exited first; silentExit then says it did so within a second
// and with nothing on stderr.
func tryServe(t testing.TB, args []string, o serveOpts) (p *proc, silentExit bool) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + o.dataDir, "LANG=C.UTF-8"}
	for k, v := range o.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p = &proc{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()
	urls := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "webhook-url: "); ok {
				urls <- u
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case p.url = <-urls:
	case <-p.exited:
		if p.stderr.String() == "" && time.Since(started) < time.Second {
			t.Logf("mangotqm serve exited at once: %v", p.waitErr)
			return nil, true
		}
		t.Fatalf("mangotqm serve exited before it was ready: %v\n%s", p.waitErr, p.stderr.String())
	case <-time.After(60 * time.Second):
		p.kill()
		t.Fatalf("mangotqm serve printed no webhook-url within a minute\n%s", p.stderr.String())
	}
	return p, false
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	if wineMode {
		// Windows has no SIGTERM, and Wine ends a process on one. A
		// windowless mangotqm.exe is stopped with Ctrl+C in its console
		// (TestWindowsConsole) or ended outright (Task Manager, taskkill
		// /F); the tests go on from an end like that, which the store
		// survives (TestCrashSafety).
		p.kill()
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("mangotqm serve did not stop within 30 s of SIGTERM\n%s", p.stderr.String())
	}
	if p.waitErr != nil {
		t.Fatalf("mangotqm serve exited with %v\n%s", p.waitErr, p.stderr.String())
	}
}

// webhook is one Mango calltracking "call end" webhook.
type webhook struct {
	callID string
	start  time.Time
	end    time.Time
	caller string
	group  string
	record string
}

func newWebhook(id string, end time.Time) webhook {
	return webhook{callID: id, start: end.Add(-3*time.Minute - 7*time.Second), end: end,
		caller: "7495" + fmt.Sprintf("%07d", len(id)*7919%10000000), group: "Отдел продаж",
		record: "https://records.example.test/" + id + ".mp3"}
}

// query renders the webhook the way Mango sends it: GET with a query string,
// ISO 8601 dates in UTC.
func (w webhook) query() string {
	v := url.Values{}
	v.Set("callId", w.callID)
	v.Set("dateStart", w.start.UTC().Format("2006-01-02T15:04:05Z"))
	v.Set("dateEnd", w.end.UTC().Format("2006-01-02T15:04:05Z"))
	v.Set("callerNumber", w.caller)
	v.Set("lastGroup", w.group)
	v.Set("recordUrl", w.record)
	v.Set("callType", "1")
	v.Set("callStatus", "1110")
	v.Set("duration", "187")
	v.Set("utm_source", "yandex")
	return v.Encode()
}

var client = &http.Client{Timeout: 10 * time.Second}

// send delivers a webhook and returns the HTTP status (0 when no answer).
func send(ctx context.Context, base string, w webhook) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"?"+w.query(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// callRecord is what "mangotqm calls --json" prints for a call.
type callRecord struct {
	ID             int64  `json:"id"`
	CallID         string `json:"callId"`
	Status         string `json:"status"`
	Attempts       int    `json:"attempts"`
	OutcomeUnknown bool   `json:"outcomeUnknown"`
	LastError      string `json:"lastError"`
	CorrelationID  string `json:"correlationId"`
}

func listCalls(t testing.TB, dataDir string) []callRecord {
	t.Helper()
	cmd := exec.Command(binary, "calls", "--data-dir", dataDir, "--json", "--limit", "100000")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mangotqm calls: %v\n%s", err, stderr.String())
	}
	var list []callRecord
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("calls --json: %v\n%s", err, out)
	}
	return list
}

// waitFor is clocktest.Within under its old name, for the tests not
// moved yet (windows_update_test.go); new code calls clocktest directly.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	clocktest.Within(t, d, what, cond)
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
