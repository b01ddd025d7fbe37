package receiver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mangotqm/store"
)

// BenchmarkIntake measures durable webhook intake over real loopback HTTP
// into a real SQLite file (fsync on every commit): the group committer
// against the naive one-commit-per-request baseline. Reported as webhooks/s.
func BenchmarkIntake(b *testing.B) {
	for _, mode := range []struct {
		name    string
		noGroup bool
	}{{"group-commit", false}, {"naive-baseline", true}} {
		b.Run(mode.name, func(b *testing.B) {
			st, err := store.Open(context.Background(), b.TempDir(), store.Options{NoGroupCommit: mode.noGroup})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			srv := httptest.NewServer(New(Config{Secret: testSecret, Store: st}))
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			client := &http.Client{Transport: tr}
			defer tr.CloseIdleConnections()
			const workers = 32
			total := b.N * 200
			var next, failed atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(total) {
							return
						}
						url := fmt.Sprintf("%s/mango/%s/calltracking?callId=B-%d&dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:05Z&callerNumber=74951234567", srv.URL, testSecret, i)
						resp, err := client.Get(url)
						if err != nil {
							failed.Add(1)
							continue
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
						if resp.StatusCode != 200 {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if failed.Load() > 0 {
				b.Fatalf("%d webhooks failed", failed.Load())
			}
			c, err := st.Counts(context.Background(), time.Time{})
			if err != nil || c.Total != total {
				b.Fatalf("stored %d of %d (%v)", c.Total, total, err)
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "webhooks/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
