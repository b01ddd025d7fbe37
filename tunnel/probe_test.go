package tunnel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
)

type incident struct {
	open bool
	key  string
}

type recorder struct {
	mu  sync.Mutex
	got []incident
}

func (r *recorder) OnIncident(open bool, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, incident{open, key})
}

func (r *recorder) list() []incident {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]incident(nil), r.got...)
}

// flaky fails the first `fails` requests with 502, then answers 200.
func flaky(t *testing.T, fails int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/health") {
			http.Error(w, "unexpected request", http.StatusTeapot)
			return
		}
		if n.Add(1) <= fails {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestProberOpensOnceAndClearsOnce(t *testing.T) {
	const k = 3
	srv, _ := flaky(t, 5) // fails 5 times: more than K, then recovers
	rec := &recorder{}
	p := NewProber(ProberConfig{HealthURL: srv.URL + "/mango/topsecret/health", Failures: k,
		Timeout: time.Second}, rec, nil)
	ctx := context.Background()

	for i := 1; i <= 5; i++ {
		err := p.Probe(ctx)
		if err == nil {
			t.Fatalf("probe %d succeeded, want failure", i)
		}
		if strings.Contains(err.Error(), "topsecret") {
			t.Fatalf("probe error shows the secret: %v", err)
		}
		wantIncidents := 0
		if i >= k {
			wantIncidents = 1
		}
		if got := len(rec.list()); got != wantIncidents {
			t.Fatalf("after %d failures: %d incidents, want %d", i, got, wantIncidents)
		}
	}
	if !p.Open() {
		t.Fatal("incident not open after K failures")
	}
	for i := 0; i < 3; i++ {
		if err := p.Probe(ctx); err != nil {
			t.Fatalf("probe after recovery: %v", err)
		}
	}
	want := []incident{{true, KeyProbeUnreachable}, {false, KeyProbeRecovered}}
	got := rec.list()
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("incidents %+v, want %+v", got, want)
	}
}

func TestProberBelowThresholdRaisesNothing(t *testing.T) {
	srv, _ := flaky(t, 2)
	rec := &recorder{}
	p := NewProber(ProberConfig{HealthURL: srv.URL + "/mango/s/health", Failures: 3, Timeout: time.Second}, rec, nil)
	for range 6 {
		_ = p.Probe(context.Background())
	}
	if got := rec.list(); len(got) != 0 {
		t.Fatalf("incidents %+v after only 2 failures in a row, want none", got)
	}
}

func TestProberRunEveryFewMilliseconds(t *testing.T) {
	srv, hits := flaky(t, 4)
	var mu sync.Mutex
	var got []incident
	done := make(chan struct{})
	report := IncidentFunc(func(open bool, key string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, incident{open, key})
		if !open {
			close(done)
		}
	})
	p := NewProber(ProberConfig{HealthURL: srv.URL + "/mango/s/health", Interval: 5 * time.Millisecond,
		Timeout: time.Second, Failures: 2}, report, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("no recovery incident; %d probes made", hits.Load())
	}
	// A few more healthy probes (counted by the server, not waited out by
	// the clock) must raise no new incident.
	after := hits.Load()
	clocktest.Eventually(t, "3 more probes", func() bool { return hits.Load() >= after+3 })
	cancel()
	if err := <-runErr; err != context.Canceled {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []incident{{true, KeyProbeUnreachable}, {false, KeyProbeRecovered}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("incidents %+v, want %+v", got, want)
	}
}

func TestProberTimeoutCountsAsFailure(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	rec := &recorder{}
	p := NewProber(ProberConfig{HealthURL: srv.URL + "/h", Timeout: 50 * time.Millisecond, Failures: 1}, rec, nil)
	start := time.Now()
	if err := p.Probe(context.Background()); err == nil {
		t.Fatal("probe of a silent server succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("probe took %s, want about the 50ms timeout", d)
	}
	if got := rec.list(); len(got) != 1 || !got[0].open {
		t.Fatalf("incidents %+v, want one open", got)
	}
}
