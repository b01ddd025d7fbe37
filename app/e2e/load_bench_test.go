package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/tqm/sandbox"
)

// BenchmarkLoad20k: 20,000 webhooks from 64 concurrent senders into the
// real "mangotqm serve", while the fake TQM takes 200 ms to answer each
// import. Reports how fast webhooks are stored, how fast they are
// delivered against the configured --rate (MANGOTQM_BENCH_RATE, default
// 200/s; it fails below 95 % of it), the slowest whole second of delivery,
// and the bridge's memory (peak, a quarter of the way, at the end). Every webhook must be stored (200) and
// delivered exactly once.
func BenchmarkLoad20k(b *testing.B) {
	const total, senders = 20000, 64
	rate := 200.0
	if v, err := strconv.ParseFloat(os.Getenv("MANGOTQM_BENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	for n := 0; n < b.N; n++ {
		fake := sandbox.New(tqmKey)
		fake.SetDelay(200 * time.Millisecond)
		dir := b.TempDir()
		p := startServe(b, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(),
			extra: []string{"--audio", "passthrough", "--rate", strconv.FormatFloat(rate, 'f', -1, 64)}})
		tr := &http.Transport{MaxIdleConnsPerHost: senders}
		hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
		end := time.Now().Add(-time.Minute)
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		var peakKB atomic.Int64
		stopSampling := make(chan struct{})
		go func() { // peak RSS of the bridge while it works
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopSampling:
					return
				case <-t.C:
					if kb, err := vmRSS(p.cmd.Process.Pid); err == nil && int64(kb) > peakKB.Load() {
						peakKB.Store(int64(kb))
					}
				}
			}
		}()
		start := time.Now()
		for s := 0; s < senders; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > total {
						return
					}
					w := newWebhook(fmt.Sprintf("LOAD-%d", i), end)
					req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, p.url+"?"+w.query(), nil)
					resp, err := hc.Do(req)
					if err != nil {
						failed.Add(1)
						continue
					}
					_ = resp.Body.Close()
					if resp.StatusCode != 200 {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		stored := time.Since(start)
		if f := failed.Load(); f > 0 {
			b.Fatalf("%d of %d webhooks not stored", f, total)
		}
		// Generous: the figure to read is delivered/s against the rate; the
		// deadline only says that everything stored was delivered at all.
		deadline := time.Now().Add(time.Duration(float64(total)/rate*float64(time.Second))*4 + time.Minute)
		var quarterKB int // memory a quarter of the way, against the end: flat, not growing with the calls
		// Looked at four times a second: more often would load the machine
		// being measured.
		if !clocktest.PollEvery(context.Background(), time.Until(deadline), 250*time.Millisecond, func() bool {
			n := len(fake.Accepted())
			if quarterKB == 0 && n >= total/4 {
				quarterKB, _ = vmRSS(p.cmd.Process.Pid)
			}
			return n >= total
		}) {
			b.Fatalf("only %d of %d delivered by the deadline", len(fake.Accepted()), total)
		}
		acc := fake.Accepted()
		first, last := acc[0].At, acc[len(acc)-1].At
		endKB, _ := vmRSS(p.cmd.Process.Pid)
		close(stopSampling)
		p.stop(b)
		tr.CloseIdleConnections()
		fake.Close()
		ids := fake.AcceptedIDs()
		for id, c := range ids {
			if c != 1 && strings.HasPrefix(id, "LOAD-") {
				b.Fatalf("%s delivered %d times", id, c)
			}
		}
		if len(ids) != total {
			b.Fatalf("%d distinct calls delivered, want %d", len(ids), total)
		}
		deliveredPerS := float64(total-1) / last.Sub(first).Seconds()
		// The slowest whole second: delivery keeps the rate throughout,
		// also while the webhooks pour in, not only on average.
		per := map[int]int{}
		for _, a := range acc {
			per[int(a.At.Sub(first).Seconds())]++
		}
		slowest := total
		for sec := 0; sec < int(last.Sub(first).Seconds()); sec++ {
			slowest = min(slowest, per[sec])
		}
		if deliveredPerS < rate*0.95 {
			b.Errorf("delivered %.1f/s, below 95%% of --rate %v", deliveredPerS, rate)
		}
		b.ReportMetric(float64(total)/stored.Seconds(), "stored/s")
		b.ReportMetric(deliveredPerS, "delivered/s")
		b.ReportMetric(deliveredPerS/rate, "of-rate")
		b.ReportMetric(float64(slowest), "slowest-second")
		b.ReportMetric(float64(peakKB.Load())/1024, "peak-RSS-MB")
		b.ReportMetric(float64(quarterKB)/1024, "RSS-at-25%-MB")
		b.ReportMetric(float64(endKB)/1024, "RSS-at-end-MB")
		b.ReportMetric(0, "ns/op")
	}
}
