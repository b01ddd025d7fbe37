package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/delivery"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/mapping"
	"mangotqm/app/reconcile"
	"mangotqm/app/recordings"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/store"
)

// limitTQM answers 429 above perSecond requests in any second and counts
// them (a fake TQM with TQM's documented limit).
type limitTQM struct {
	next      http.Handler
	perSecond int
	mu        sync.Mutex
	times     []time.Time
	refused   int
}

func (l *limitTQM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	now := time.Now()
	n := 0
	for _, t := range l.times {
		if now.Sub(t) < time.Second {
			n++
		}
	}
	if n >= l.perSecond {
		l.refused++
		l.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"error":"too many requests"}`, http.StatusTooManyRequests)
		return
	}
	l.times = append(l.times, now)
	l.mu.Unlock()
	l.next.ServeHTTP(w, r)
}

func (l *limitTQM) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused
}

// benchCalls is the backfill's size; benchDeliver how many of them are
// delivered to measure the rate (all 10,000 at 9/s would take 18 minutes).
const (
	benchCalls   = 10000
	benchDeliver = 180
	benchRate    = 9.0 // requests/s to TQM: under the fake TQM's 10/s
)

// BenchmarkBackfill10kLatency: a backfill of 10,000 calls from the fake
// VPBX (one stats request: Mango's 204-then-200, real 5 s poll spacing),
// the time to store them, then delivery with recordings through the real
// worker and sender to a fake TQM that answers 429 above 10 requests/s:
// the delivery rate and the 429 count (must be 0). The name ends in
// Latency so that scripts/bench.sh runs it.
func BenchmarkBackfill10kLatency(b *testing.B) {
	for range b.N {
		benchBackfill(b)
	}
}

func benchBackfill(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	mango := vpbxfake.New(vpKey, vpSalt)
	defer mango.Close()
	audio := testaudio.MP3(b, 2, true)
	from := time.Now().AddDate(0, -2, 0).Truncate(time.Hour)
	to := from.Add(20 * 24 * time.Hour)
	step := to.Sub(from) / benchCalls
	for i := range benchCalls {
		start := from.Add(time.Duration(i) * step).Truncate(time.Second)
		id := fmt.Sprintf("BENCH-%05d", i)
		mango.AddCall(id, fmt.Sprintf("7916%07d", i), "101", start, start.Add(90*time.Second), "rec-"+id)
		mango.AddRecording("rec-"+id, audio)
	}
	quiet := slog.New(slog.DiscardHandler)
	vc := &vpbx.Client{BaseURL: mango.URL(), Key: vpKey, Salt: vpSalt, Logger: quiet}
	eng := reconcile.New(reconcile.Config{Stats: vc, Store: st, Logger: quiet})
	began := time.Now()
	p, err := eng.Backfill(ctx, from, to, nil)
	if err != nil || p.New != benchCalls {
		b.Fatalf("backfill: %+v, %v", p, err)
	}
	total := time.Since(began)
	// The store part alone: the same calls again into a fresh database.
	st2, err := store.Open(ctx, b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st2.Close()
	// Measured through ImportMango directly on the rows from Mango.
	key, err := vc.StatsRequest(ctx, from, to, vpbx.StatsFilter{})
	if err != nil {
		b.Fatal(err)
	}
	var srows []vpbx.StatsRow
	// Nothing says "ready" but asking, at most every 5 s (Mango's rule).
	if !clocktest.PollEvery(ctx, reconcile.DefaultPollTimeout, reconcile.DefaultPollEvery, func() bool {
		var ready bool
		if srows, ready, err = vc.StatsResult(ctx, key); err != nil {
			b.Fatal(err)
		}
		return ready
	}) {
		b.Fatal("the stats never became ready")
	}
	batch := make([]store.MangoCall, 0, len(srows))
	for _, r := range srows {
		if c, ok := mangocall.StatsRow(r, calls.SourceBackfill); ok {
			batch = append(batch, c)
		}
	}
	storeStart := time.Now()
	imp, err := st2.ImportMango(ctx, batch, 0, nil)
	if err != nil || imp.New != benchCalls {
		b.Fatalf("import: %+v, %v", imp, err)
	}
	storeTime := time.Since(storeStart)

	// Delivery of the first benchDeliver calls, with their recordings.
	tqm := sandbox.New(tqmKey)
	defer tqm.Close()
	limit := &limitTQM{next: tqm.Handler(), perSecond: 10}
	front := httptest.NewServer(limit)
	defer front.Close()
	var w *delivery.Worker
	var mu sync.Mutex
	delivered := 0
	done := make(chan struct{})
	sender := bridge.NewRecordingSender(bridge.RecordingOptions{
		TQM:    bridge.TQMOptions{BaseURL: front.URL, Key: func(context.Context) (string, error) { return tqmKey, nil }},
		VPBX:   vc,
		Index:  st,
		Audio:  recordings.ModeUpload,
		Logger: quiet,
	})
	m := mapping.Default()
	w = delivery.New(delivery.Config{
		Outbox:         st,
		Join:           bridge.JoinStep(st, func() config.Sources { return config.SourcesCalltracking }, quiet, nil),
		Pauses:         st,
		Stuck:          st,
		Sender:         sender,
		KeyFingerprint: sender.KeyFingerprint,
		Mapping:        func(context.Context) (mapping.Config, error) { return m, nil },
		Rate:           benchRate,
		Logger:         quiet,
		OnCall: func(int64) {
			mu.Lock()
			defer mu.Unlock()
			if n := len(tqm.Accepted()); n >= benchDeliver && delivered == 0 {
				delivered = n
				close(done)
			}
		},
	})
	dctx, cancel := context.WithCancel(ctx)
	wdone := make(chan struct{})
	deliverStart := time.Now()
	go func() { defer close(wdone); _ = w.Run(dctx) }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		b.Fatalf("only %d calls delivered in 3 minutes", len(tqm.Accepted()))
	}
	deliverTime := time.Since(deliverStart)
	cancel()
	<-wdone
	b.ReportMetric(total.Seconds(), "backfill_s")
	b.ReportMetric(storeTime.Seconds(), "store10k_s")
	b.ReportMetric(float64(imp.New)/storeTime.Seconds(), "stored_calls/s")
	b.ReportMetric(float64(delivered)/deliverTime.Seconds(), "delivered_calls/s")
	b.ReportMetric(float64(limit.count()), "tqm_429s")
	if n := limit.count(); n != 0 {
		b.Errorf("the fake TQM answered 429 %d times", n)
	}
}
