package tunnel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.ngrok.com/ngrok/v2"

	"mangotqm/app/clock/clocktest"
)

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// closedLoopbackAddr returns a loopback address nothing listens on.
func closedLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// settleGoroutines waits until the goroutine count is back to base.
func settleGoroutines(t *testing.T, base int, d time.Duration) {
	t.Helper()
	if !clocktest.Poll(context.Background(), d, func() bool { return runtime.NumGoroutine() <= base }) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), base, buf)
	}
}

func TestNgrokOfflineReportsUnreachableRetriesAndLeaksNothing(t *testing.T) {
	const token = "2abcTESTtokenNeverLogged_0123456789"
	const bound = 400 * time.Millisecond
	base := runtime.NumGoroutine()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	n := NewNgrok(NgrokConfig{
		Authtoken:     token,
		URL:           "https://example.ngrok-free.dev",
		WebhookPrefix: "/mango/secret/",
		ConnectURL:    closedLoopbackAddr(t),
		StartTimeout:  bound,
		RetryMin:      50 * time.Millisecond,
		RetryMax:      100 * time.Millisecond,
		Version:       "test",
	}, logger)
	states, unsub := n.Subscribe()

	ctx, cancel := context.WithTimeout(context.Background(), bound+time.Second)
	start := time.Now()
	ln, _, err := n.Start(ctx)
	cancel()
	if err == nil {
		t.Fatal("Start succeeded against a closed port")
	}
	if ln != nil {
		t.Fatal("Start returned a listener with its error")
	}
	if d := time.Since(start); d > bound+2*time.Second {
		t.Fatalf("Start took %s, bound %s", d, bound)
	}
	if _, key := Explain(err); key != KeyUnreachable {
		t.Fatalf("Start error %q explained as %q, want %q", err, key, KeyUnreachable)
	}

	// The status stream: Connecting, then Offline "cannot reach ngrok" with a
	// retry time, then further attempts (Connecting again) in the background.
	var sawOffline, sawRetry bool
	var all []Status
	deadline := time.After(5 * time.Second)
	for !sawRetry {
		select {
		case s := <-states:
			all = append(all, s)
			switch {
			case s.State == Offline && s.MessageKey == KeyUnreachable:
				if s.NextRetry.IsZero() {
					t.Fatalf("offline status without NextRetry: %+v", s)
				}
				if !sawOffline && s.Since.Sub(start) > bound+time.Second {
					t.Fatalf("first offline status at %s, bound %s", s.Since.Sub(start), bound)
				}
				sawOffline = true
			case s.State == Connecting && sawOffline:
				sawRetry = true
			}
		case <-deadline:
			t.Fatalf("no background retry; statuses: %+v", all)
		}
	}
	unsub()

	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, _, err := n.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close = %v, want ErrClosed", err)
	}
	settleGoroutines(t, base, 10*time.Second)

	for _, s := range all {
		if strings.Contains(s.Detail, token) {
			t.Fatalf("status detail shows the authtoken: %+v", s)
		}
	}
	if strings.Contains(logs.String(), token) || strings.Contains(err.Error(), token) {
		t.Fatal("the authtoken appears in logs or errors")
	}
}

func TestNgrokNoAuthtokenFailsFastWithoutNetwork(t *testing.T) {
	// A listening "server": any connection attempt would be accepted here.
	srv, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dialled := make(chan struct{}, 1)
	go func() {
		if c, err := srv.Accept(); err == nil {
			_ = c.Close()
			dialled <- struct{}{}
		}
	}()

	n := NewNgrok(NgrokConfig{Authtoken: "  ", ConnectURL: srv.Addr().String()}, nil)
	defer n.Close()
	states, unsub := n.Subscribe()
	defer unsub()
	start := time.Now()
	_, _, err = n.Start(context.Background())
	if !errors.Is(err, ErrNoAuthtoken) {
		t.Fatalf("Start = %v, want ErrNoAuthtoken", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("Start took %s, want immediate", d)
	}
	next(t, states, time.Second) // initial
	if s := next(t, states, time.Second); s.State != Offline || s.MessageKey != KeyNoAuthtoken {
		t.Fatalf("status %+v, want offline %s", s, KeyNoAuthtoken)
	}
	select {
	case <-dialled:
		t.Fatal("a connection was attempted without an authtoken")
	case <-time.After(200 * time.Millisecond):
	}
}

func TestNgrokBadConfig(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, u := range []string{"ftp://x.ngrok-free.dev", "https://x.ngrok-free.dev/path", "https://", "https:", "localhost"} {
		n := NewNgrok(NgrokConfig{Authtoken: "t", URL: u, ConnectURL: closedLoopbackAddr(t)}, nil)
		_, _, err := n.Start(ctx)
		if _, key := Explain(err); key != KeyBadURL {
			t.Errorf("URL %q: Start = %v (%s), want %s", u, err, key, KeyBadURL)
		}
		_ = n.Close()
	}
	n := NewNgrok(NgrokConfig{Authtoken: "t", URL: "x.ngrok-free.dev/"}, nil)
	if n.cfgErr != nil || n.cfg.URL != "https://x.ngrok-free.dev" {
		t.Fatalf("bare domain: url %q err %v, want https://x.ngrok-free.dev", n.cfg.URL, n.cfgErr)
	}
	n = NewNgrok(NgrokConfig{Authtoken: "t", WebhookPrefix: "no-slashes", ConnectURL: closedLoopbackAddr(t)}, nil)
	defer n.Close()
	if _, _, err := n.Start(ctx); err == nil {
		t.Fatal("bad webhook prefix accepted")
	}
}

// Event translation, driven with synthetic ngrok-go events.
func TestNgrokEventsBecomeStates(t *testing.T) {
	n := NewNgrok(NgrokConfig{Authtoken: "t"}, nil)
	defer n.Close()
	states, unsub := n.Subscribe()
	defer unsub()
	next(t, states, time.Second) // initial

	// Online, as the supervisor leaves it.
	n.mu.Lock()
	n.gen = 7
	n.phase = phaseOnline
	n.url = "https://x.ngrok-free.dev"
	n.lost, n.lostOnce = make(chan struct{}), &sync.Once{}
	n.publishLocked(Status{State: Online, URL: n.url})
	n.mu.Unlock()
	next(t, states, time.Second)

	// A stale agent's events are ignored.
	n.onEvent(6, &ngrok.EventAgentDisconnected{Error: errors.New("x ERR_NGROK_108")})
	// Network loss, then the endpoint still online elsewhere, then back.
	n.onEvent(7, &ngrok.EventAgentDisconnected{Error: errors.New("EOF")})
	n.onEvent(7, &ngrok.EventAgentDisconnected{Error: fmt.Errorf("bind: %w",
		errors.New("The endpoint 'https://x.ngrok-free.dev' is already online. ERR_NGROK_334"))})
	n.onEvent(7, &ngrok.EventAgentHeartbeatReceived{Latency: time.Millisecond})
	n.onEvent(7, &ngrok.EventAgentConnectSucceeded{})

	s1 := next(t, states, time.Second)
	if s1.State != Offline || s1.MessageKey != KeyLost || s1.NextRetry.IsZero() {
		t.Fatalf("after network loss: %+v, want offline %s with NextRetry", s1, KeyLost)
	}
	s2 := next(t, states, time.Second)
	if s2.State != Offline || s2.Code != "ERR_NGROK_334" || s2.MessageKey != KeyEndpointInUse {
		t.Fatalf("after 334: %+v", s2)
	}
	if !s2.Since.Equal(s1.Since) {
		t.Fatalf("offline Since moved from %s to %s; want the start of the outage", s1.Since, s2.Since)
	}
	if s2.NextRetry.Sub(s1.NextRetry) <= 0 {
		t.Fatalf("NextRetry did not back off: %s then %s", s1.NextRetry, s2.NextRetry)
	}
	if s3 := next(t, states, time.Second); s3.State != Online || s3.URL != "https://x.ngrok-free.dev" {
		t.Fatalf("after reconnect: %+v, want online", s3)
	}

	// ngrok-go giving up (nil error) ends the endpoint: the supervisor is told.
	n.onEvent(7, &ngrok.EventAgentDisconnected{Error: nil})
	select {
	case <-n.lost:
	case <-time.After(time.Second):
		t.Fatal("lost not signalled")
	}
}

func TestNgrokAuthFailureAbortsTheAttempt(t *testing.T) {
	n := NewNgrok(NgrokConfig{Authtoken: "t"}, nil)
	defer n.Close()
	abort := make(chan error, 1)
	n.mu.Lock()
	n.gen, n.phase, n.abort = 3, phaseAttempting, abort
	n.mu.Unlock()

	n.onEvent(3, &ngrok.EventAgentDisconnected{Error: errors.New("failed to dial ngrok server: refused")})
	select {
	case err := <-abort:
		t.Fatalf("a network error aborted the attempt: %v", err)
	default:
	}
	if s := n.states.Current(); s.State != Connecting || s.MessageKey != KeyUnreachable {
		t.Fatalf("status %+v, want connecting with %s", s, KeyUnreachable)
	}
	n.onEvent(3, &ngrok.EventAgentDisconnected{Error: errors.New("authentication failed: ERR_NGROK_107")})
	select {
	case err := <-abort:
		if code, _ := Explain(err); code != "ERR_NGROK_107" {
			t.Fatalf("abort error %v", err)
		}
	default:
		t.Fatal("a bad authtoken did not abort the attempt")
	}
}

func TestNgrokConfigNeverPrintsSecrets(t *testing.T) {
	c := NgrokConfig{Authtoken: "tok_SECRET_123", WebhookPrefix: "/mango/prefixSECRET/", URL: "https://x.ngrok-free.dev"}
	logs := &lockedBuffer{}
	slog.New(slog.NewJSONHandler(logs, nil)).Info("cfg", "ngrok", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), logs.String()} {
		if strings.Contains(s, "SECRET") {
			t.Fatalf("secret printed: %s", s)
		}
		if !strings.Contains(s, "x.ngrok-free.dev") {
			t.Fatalf("URL missing from %s", s)
		}
	}
}
