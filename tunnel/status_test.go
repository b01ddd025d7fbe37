package tunnel

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// next reads one status or fails the test after d.
func next(t *testing.T, ch <-chan Status, d time.Duration) Status {
	t.Helper()
	select {
	case s, ok := <-ch:
		if !ok {
			t.Fatal("status channel closed")
		}
		return s
	case <-time.After(d):
		t.Fatalf("no status within %s", d)
	}
	return Status{}
}

func TestNoneStatesReachSubscribersInOrder(t *testing.T) {
	n := NewNone("127.0.0.1:0", "")
	ch1, stop1 := n.Subscribe()
	defer stop1()
	ch2, stop2 := n.Subscribe()
	defer stop2()

	ln, url, err := n.Start(context.Background())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	resp, err := http.Get(url + "/x")
	if err != nil {
		t.Fatalf("GET through the None listener: %v", err)
	}
	_ = resp.Body.Close()
	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for i, ch := range []<-chan Status{ch1, ch2} {
		want := []struct {
			state State
			key   string
		}{{Connecting, ""}, {Online, ""}, {Offline, KeyClosed}}
		for _, w := range want {
			s := next(t, ch, 2*time.Second)
			if s.State != w.state || s.MessageKey != w.key {
				t.Fatalf("subscriber %d: got %s/%q, want %s/%q", i, s.State, s.MessageKey, w.state, w.key)
			}
			if w.state == Online && s.URL != url {
				t.Fatalf("subscriber %d: online URL %q, want %q", i, s.URL, url)
			}
		}
	}
}

func TestNoneListenFailedIsReported(t *testing.T) {
	n := NewNone("256.0.0.1:1", "")
	ch, stop := n.Subscribe()
	defer stop()
	if _, _, err := n.Start(context.Background()); err == nil {
		t.Fatal("Start on a bad address succeeded")
	}
	next(t, ch, time.Second) // initial Connecting
	if s := next(t, ch, time.Second); s.State != Offline || s.MessageKey != KeyLocalListenFailed {
		t.Fatalf("got %+v, want offline %s", s, KeyLocalListenFailed)
	}
}
