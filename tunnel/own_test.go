package tunnel

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serveHealth serves a health answer on the own-address listener.
func serveHealth(t *testing.T, n *None) string {
	t.Helper()
	ln, url, err := n.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mango/s3cret/health" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); _ = n.Close() })
	return url
}

// deadAddress is a loopback port nothing listens on.
func deadAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// The own-address self-probe: a local listener answers it; an address that
// does not answer fails it (the error hides the secret path) and, after
// the failures in a row, opens the "unreachable" incident.
func TestOwnAddressSelfProbe(t *testing.T) {
	ctx := context.Background()
	live := serveHealth(t, NewNone("127.0.0.1:0", ""))
	for _, tc := range []struct {
		name    string
		url     string
		wantErr bool
	}{
		{"local listener answers", live + "/mango/s3cret/health", false},
		{"wrong path is not healthy", live + "/mango/other/health", true},
		{"nothing listens", "http://" + deadAddress(t) + "/mango/s3cret/health", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckOnce(ctx, tc.url, 2*time.Second)
			if (err != nil) != tc.wantErr {
				t.Fatalf("CheckOnce = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error shows the secret path: %v", err)
			}
			rec := &recorder{}
			p := NewProber(ProberConfig{HealthURL: tc.url, Failures: 2, Timeout: 2 * time.Second}, rec, nil)
			for range 2 {
				_ = p.Probe(ctx)
			}
			want := 0
			if tc.wantErr {
				want = 1
			}
			got := rec.list()
			if len(got) != want || (want == 1 && (!got[0].open || got[0].key != KeyProbeUnreachable)) {
				t.Fatalf("incidents %+v, want %d opening %s", got, want, KeyProbeUnreachable)
			}
		})
	}
}

// ngrok's "monthly limit used up" answer opens the incident at once, with
// its own explanation, and the code is kept for the message.
func TestProbeQuotaAnswerOpensAtOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ngrok-error-code", "ERR_NGROK_727")
		http.Error(w, "limit", http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	rec := &recorder{}
	p := NewProber(ProberConfig{HealthURL: srv.URL + "/mango/x/health", Failures: 3, Timeout: 2 * time.Second}, rec, nil)
	if err := p.Probe(context.Background()); err == nil {
		t.Fatal("probe of a 727 answer succeeded")
	}
	got := rec.list()
	if len(got) != 1 || !got[0].open || got[0].key != KeyQuota {
		t.Fatalf("incidents %+v, want one opening %s", got, KeyQuota)
	}
	if p.Code() != "ERR_NGROK_727" {
		t.Fatalf("Code() = %q", p.Code())
	}
}

// The allow-list closes connections from addresses not on it; this
// computer is always allowed.
func TestAllowList(t *testing.T) {
	a, err := NewAllowList([]string{"81.88.80.132", "2a00:1fa0::1"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"81.88.80.132:40000":        true,
		"[::ffff:81.88.80.132]:443": true,
		"[2a00:1fa0::1]:5000":       true,
		"81.88.80.133:40000":        false,
		"10.0.0.5:1234":             false,
		"127.0.0.1:5555":            true,
		"[::1]:5555":                true,
		"garbage":                   false,
	} {
		if got := a.Allows(addr); got != want {
			t.Errorf("Allows(%s) = %v, want %v", addr, got, want)
		}
	}
	if _, err := NewAllowList([]string{"81.88.80"}); err == nil {
		t.Fatal("a bad address was accepted")
	}

	// Through a real listener: a list without this computer refuses it.
	strict := &AllowList{addrs: a.addrs}
	n := NewNone("127.0.0.1:0", "")
	n.Allow = strict
	url := serveHealth(t, n)
	client := &http.Client{Timeout: 2 * time.Second}
	_, err = client.Get(url + "/mango/s3cret/health")
	if err == nil {
		t.Fatal("a source not on the list was answered")
	}
	n2 := NewNone("127.0.0.1:0", "")
	n2.Allow = a
	url2 := serveHealth(t, n2)
	resp, err := client.Get(url2 + "/mango/s3cret/health")
	if err != nil {
		t.Fatalf("this computer was refused: %v", err)
	}
	_ = resp.Body.Close()
}

// The wizard's check of an own address before the bridge listens: a moment's
// listener answers through the public URL; a public URL that leads nowhere
// fails; a listen address already taken is reported.
func TestCheckOwn(t *testing.T) {
	ctx := context.Background()
	free := deadAddress(t)
	if err := CheckOwn(ctx, free, "http://"+free, 2*time.Second); err != nil {
		t.Fatalf("own address through itself: %v", err)
	}
	if err := CheckOwn(ctx, free, "http://"+deadAddress(t), 2*time.Second); err == nil {
		t.Fatal("a public URL that leads nowhere passed")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if err := CheckOwn(ctx, taken.Addr().String(), "http://"+taken.Addr().String(), 2*time.Second); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("a taken port: %v", err)
	}
}
