package bridge

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/tunnel"
)

// fakeTunnel stands in for ngrok: a loopback listener behind a public URL
// the test chooses, and state changes the test drives.
type fakeTunnel struct {
	public string
	mu     sync.Mutex
	subs   []chan tunnel.Status
	last   tunnel.Status
	ln     net.Listener
}

func (f *fakeTunnel) Start(ctx context.Context) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	f.ln = ln
	f.publish(tunnel.Status{State: tunnel.Online, URL: f.public, Since: time.Now()})
	return ln, f.public, nil
}

func (f *fakeTunnel) publish(s tunnel.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = s
	for _, ch := range f.subs {
		ch <- s
	}
}

func (f *fakeTunnel) Subscribe() (<-chan tunnel.Status, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan tunnel.Status, 16)
	ch <- f.last
	f.subs = append(f.subs, ch)
	return ch, func() {}
}

func (f *fakeTunnel) Close() error { return nil }

func newTestBridge(t *testing.T, dir string, tun tunnel.Tunnel) *Bridge {
	t.Helper()
	fake := sandbox.New("k")
	t.Cleanup(fake.Close)
	c, err := Open(context.Background(), Options{DataDir: dir, Secrets: secrets.NewMemory(nil), TunnelOverride: tun,
		Sender: NewTQMSender(TQMOptions{BaseURL: fake.URL(), Key: func(context.Context) (string, error) { return "k", nil }})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBridgeOverAFakeTunnel(t *testing.T) {
	dir := t.TempDir()
	tun := &fakeTunnel{public: "https://office-one.ngrok-free.dev", last: tunnel.Status{State: tunnel.Connecting}}
	c := newTestBridge(t, dir, tun)
	events, stop := c.Subscribe()
	defer stop()
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	eps := c.Endpoints()
	if len(eps) != 2 || eps[0].URL[:len(tun.public)] != tun.public || eps[0].Name != "calltracking" || eps[1].Name != "vpbx" {
		t.Fatalf("endpoints %+v", eps)
	}
	if s := c.TunnelStatus(); s.State != tunnel.Online {
		t.Fatalf("tunnel status %+v", s)
	}
	tun.publish(tunnel.Status{State: tunnel.Offline, MessageKey: tunnel.KeyUnreachable})
	deadline := time.After(5 * time.Second)
	for c.TunnelStatus().State != tunnel.Offline {
		select {
		case <-deadline:
			t.Fatal("offline state did not reach the bridge")
		case <-events:
		}
	}
	// The receiver really serves on the tunnel's listener.
	resp, err := http.Get("http://" + tun.ln.Addr().String() + eps[0].URL[len(tun.public):len(eps[0].URL)-len("calltracking")] + "health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health through the tunnel listener: %v %v", resp, err)
	}
	resp.Body.Close()

	// The user copies the URL; the next start comes up on another domain.
	if err := c.MarkURLCopied(context.Background(), eps[0].URL); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	c2 := newTestBridge(t, dir, &fakeTunnel{public: "https://office-two.ngrok-free.dev"})
	if err := c2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c2.Close(context.Background())
	inc, err := c2.Incidents(context.Background())
	if err != nil || len(inc) != 1 || inc[0].Kind != IncidentURLChanged {
		t.Fatalf("incidents after the URL changed: %+v %v", inc, err)
	}
	if err := c2.MarkURLCopied(context.Background(), c2.Endpoints()[0].URL); err != nil {
		t.Fatal(err)
	}
	if inc, _ := c2.Incidents(context.Background()); len(inc) != 0 {
		t.Fatalf("copying the new URL must clear the incident: %+v", inc)
	}
}

func TestTunnelDownIncident(t *testing.T) {
	tun := &fakeTunnel{public: "https://office.ngrok-free.dev", last: tunnel.Status{State: tunnel.Connecting}}
	fake := sandbox.New("k")
	defer fake.Close()
	c, err := Open(context.Background(), Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil),
		TunnelOverride: tun, TunnelDownAfter: 50 * time.Millisecond,
		Sender: NewTQMSender(TQMOptions{BaseURL: fake.URL(), Key: func(context.Context) (string, error) { return "k", nil }})})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	open := func() bool {
		inc, _ := c.Incidents(context.Background())
		for _, in := range inc {
			if in.Kind == IncidentTunnelDown {
				return true
			}
		}
		return false
	}
	tun.publish(tunnel.Status{State: tunnel.Offline, MessageKey: tunnel.KeyUnreachable})
	clocktest.Eventually(t, "a 'tunnel down' incident after the tunnel stayed offline", open)
	tun.publish(tunnel.Status{State: tunnel.Online, URL: tun.public})
	clocktest.Eventually(t, "the incident cleared after the tunnel came back", func() bool { return !open() })
}

func TestCallFailedIncidentClearsOnResend(t *testing.T) {
	fake := sandbox.New("k")
	defer fake.Close()
	fake.SetOutage(503)
	tun := &fakeTunnel{public: "http://office.test", last: tunnel.Status{State: tunnel.Connecting}}
	c, err := Open(context.Background(), Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil),
		TunnelOverride: tun, Schedule: []time.Duration{10 * time.Millisecond},
		Override: func(c *config.Config) error { c.Audio, c.Rate = config.AudioPassthrough, 100; return nil },
		Sender:   NewTQMSender(TQMOptions{BaseURL: fake.URL(), Key: func(context.Context) (string, error) { return "k", nil }})})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	url := "http://" + tun.ln.Addr().String() + c.Endpoints()[0].URL[len(tun.public):]
	end := time.Now().Add(-time.Minute).UTC()
	resp, err := http.Get(url + "?callId=F1&dateStart=" + end.Add(-time.Minute).Format("2006-01-02T15:04:05Z") +
		"&dateEnd=" + end.Format("2006-01-02T15:04:05Z") + "&recordUrl=https://r.test/a.mp3")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", resp, err)
	}
	resp.Body.Close()
	failedOpen := func() bool {
		inc, _ := c.Incidents(context.Background())
		for _, in := range inc {
			if in.Kind == "call_failed" {
				return true
			}
		}
		return false
	}
	clocktest.Eventually(t, "an incident for a call that failed for good", failedOpen)
	fake.ClearOutage()
	if n, err := c.ResendFailedSince(context.Background(), time.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("resend: %d %v", n, err)
	}
	if failedOpen() {
		t.Fatal("the incident stayed open after every failed call was resent")
	}
	clocktest.Eventually(t, "the resent call delivered", func() bool { return len(fake.Find("F1")) > 0 })
}
