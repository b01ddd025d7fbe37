package e2e

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/tqm/sandbox"
)

// BenchmarkWebhookToTQMLatency measures the latency the bridge adds: from
// sending a Mango webhook to the real binary until the fake TQM receives the
// import request (durable intake, wake-up, mapping, HTTP). Webhooks arrive
// one at a time, each once the one before reached TQM, as in an office; the
// rate (1000/s) is set high so that the pacer never holds one back and only
// the path is measured (at 20/s the test had to sleep 60 ms between calls).
func BenchmarkWebhookToTQMLatency(b *testing.B) {
	const samples = 200
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	dir := b.TempDir()
	p := startServe(b, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: []string{"--rate", "1000", "--audio", "passthrough"}})
	defer p.stop(b)
	end := time.Now().Add(-time.Minute)
	lat := make([]time.Duration, 0, samples*b.N)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := 0; i < samples; i++ {
			id := fmt.Sprintf("LAT-%d-%d", n, i)
			sent := time.Now()
			if code, err := send(context.Background(), p.url, newWebhook(id, end)); err != nil || code != 200 {
				b.Fatalf("webhook: %d %v", code, err)
			}
			var at time.Time // the fake's own arrival time: how often we look does not change it
			clocktest.Within(b, 10*time.Second, id+" at TQM", func() bool {
				if got := fake.Find(id); len(got) > 0 {
					at = got[0].At
				}
				return !at.IsZero()
			})
			lat = append(lat, at.Sub(sent))
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkIdleRSS reports the resident memory of an idle "mangotqm serve".
func BenchmarkIdleRSS(b *testing.B) {
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	var rss float64
	for n := 0; n < b.N; n++ {
		p := startServe(b, serveOpts{dataDir: b.TempDir(), tqmURL: fake.URL(), env: secretsEnv()})
		// Idle is a span of time, not an event: RSS after 3 s of nothing.
		time.Sleep(3 * time.Second)
		kb, err := vmRSS(p.cmd.Process.Pid)
		p.stop(b)
		if err != nil {
			b.Fatal(err)
		}
		rss = float64(kb) / 1024
	}
	b.ReportMetric(rss, "idle-RSS-MB")
	b.ReportMetric(0, "ns/op")
}

func vmRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
