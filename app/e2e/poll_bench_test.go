package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/tqm/sandbox"
)

// pollBenchCalls end one every pollBenchSpacing while serve runs on the
// poll road at the default 1-minute poll.
const (
	pollBenchCalls   = 6
	pollBenchSpacing = 23 * time.Second
	pollBenchTarget  = 90 * time.Second
)

// BenchmarkPollRoadSpeed: the poll road's speed. The real serve on
// `--tunnel poll` at the default 1-minute poll, the fake Mango VPBX
// (first stats/result 204) and the fake TQM; calls end while serve runs;
// the time from each call's end to TQM's 200 — median and maximum, which
// must stay within 90 s.
func BenchmarkPollRoadSpeed(b *testing.B) {
	for range b.N {
		benchPollRoad(b)
	}
}

func benchPollRoad(b *testing.B) {
	tqm := sandbox.New(tqmKey)
	defer tqm.Close()
	mango := vpbxfake.New(vpKey, vpSalt, vpbxfake.WithStatsReady(1, 0))
	defer mango.Close()
	audio := testaudio.MP3(b, 2, true)
	p := startPollServe(b, b.TempDir(), tqm.URL(), mango.URL(), "1m0s", vpbxEnv())
	defer p.stop(b)
	ends := map[string]time.Time{}
	for i := range pollBenchCalls {
		time.Sleep(pollBenchSpacing) // calls end as time passes: the point of the benchmark
		id := fmt.Sprintf("PB-%02d", i)
		end := time.Now().Truncate(time.Second) // Mango's times are whole seconds
		mango.AddCall(id, fmt.Sprintf("7916555%04d", i), "101", end.Add(-75*time.Second), end, "rec-"+id)
		mango.AddRecording("rec-"+id, audio)
		ends[id] = end
	}
	clocktest.Within(b, 3*time.Minute, "every call at TQM", func() bool { return len(tqm.AcceptedIDs()) >= pollBenchCalls })
	var lat []time.Duration
	for id, end := range ends {
		got := tqm.Find(id)
		if len(got) != 1 || !got[0].WithFile {
			b.Fatalf("%s reached TQM %d times (with file: %v)", id, len(got), len(got) > 0 && got[0].WithFile)
		}
		lat = append(lat, got[0].At.Sub(end))
	}
	slices.Sort(lat)
	median, worst := lat[len(lat)/2], lat[len(lat)-1]
	b.ReportMetric(median.Seconds(), "s_median_end_to_tqm")
	b.ReportMetric(worst.Seconds(), "s_max_end_to_tqm")
	if worst > pollBenchTarget {
		b.Errorf("a call reached TQM %s after it ended at a 1-minute poll (target %s)", worst, pollBenchTarget)
	}
}
