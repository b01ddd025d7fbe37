package tunnel

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
)

func TestRelayServesAcrossEndpointReplacement(t *testing.T) {
	r := newRelay(urlAddr("https://x.ngrok-free.dev"))
	var dead atomic.Int32
	r.onDead = func(net.Listener) { dead.Add(1) }
	closed := make(chan struct{})
	r.onClose = func() error { close(closed); return nil }

	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), ReadHeaderTimeout: time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(r) }()

	get := func(addr string) {
		t.Helper()
		c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("body %q", b)
		}
	}

	ep1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.set(ep1)
	get(ep1.Addr().String())
	if r.Addr().String() != ep1.Addr().String() {
		t.Fatalf("Addr %s, want the endpoint's", r.Addr())
	}

	// The endpoint dies (ngrok closed it): the server keeps running.
	_ = ep1.Close()
	clocktest.Eventually(t, "onDead called", func() bool { return dead.Load() > 0 })
	select {
	case err := <-served:
		t.Fatalf("Serve returned while the tunnel was down: %v", err)
	default:
	}
	ep2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ep2.Close()
	r.set(ep2)
	get(ep2.Addr().String())

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	_ = ep2.Close() // what the owner's Close does
	select {
	case <-closed:
	case <-time.After(time.Second):
		t.Fatal("closing the listener did not close the tunnel")
	}
	select {
	case err := <-served:
		if err == nil || errors.Is(err, http.ErrServerClosed) {
			break
		}
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Serve returned %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
}

type panicListener struct{ net.Listener }

func (panicListener) Accept() (net.Conn, error) { panic("boom") }

func TestSafeAcceptTurnsPanicIntoError(t *testing.T) {
	if _, err := safeAccept(panicListener{}); err == nil {
		t.Fatal("no error from a panicking Accept")
	}
}
