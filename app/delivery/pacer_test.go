package delivery

import (
	"context"
	"testing"
	"time"
)

// virtualClock moves on only when slept on: by the wait plus the next
// lateness (cycled), as a timer that fires late would.
type virtualClock struct {
	now  time.Time
	late []time.Duration
	i    int
}

func (c *virtualClock) Now() time.Time { return c.now }

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(c.late) > 0 {
		d += c.late[c.i%len(c.late)]
		c.i++
	}
	c.now = c.now.Add(d)
	return nil
}

func (c *virtualClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	_ = c.Sleep(context.Background(), d)
	ch <- c.now
	return ch
}

// TestPacer runs the pacer on a virtual clock where every wake-up comes
// late by a jitter, and checks the three promises: the average rate holds
// exactly, two starts are never closer than half an interval, and a long
// gap (idling) does not turn into a burst afterwards.
func TestPacer(t *testing.T) {
	tests := []struct {
		name   string
		rate   float64
		late   []time.Duration // lateness of successive wake-ups, cycled
		starts int
	}{
		{"on time", 200, []time.Duration{0}, 2000},
		{"jitter at 200/s", 200, []time.Duration{0, 150 * time.Microsecond, 40 * time.Microsecond, 1 * time.Millisecond}, 2000},
		{"jitter at 5/s", 5, []time.Duration{0, 3 * time.Millisecond, 30 * time.Millisecond}, 200},
		{"every start later than half an interval", 100, []time.Duration{6 * time.Millisecond}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &virtualClock{now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), late: tt.late}
			p := newPacer(tt.rate, clk)
			interval := time.Duration(float64(time.Second) / tt.rate)
			var starts []time.Time
			for range tt.starts {
				if !p.wait(context.Background()) {
					t.Fatal("wait gave up")
				}
				starts = append(starts, clk.now)
				// The caller's own work between starts: 0.1 interval.
				clk.now = clk.now.Add(interval / 10)
			}
			for k := 1; k < len(starts); k++ {
				if gap := starts[k].Sub(starts[k-1]); gap < interval/2 {
					t.Fatalf("starts %d and %d are %v apart, less than half of %v", k-1, k, gap, interval)
				}
			}
			span := starts[len(starts)-1].Sub(starts[0])
			got := float64(len(starts)-1) / span.Seconds()
			maxLate := time.Duration(0)
			for _, l := range tt.late {
				maxLate = max(maxLate, l)
			}
			if maxLate <= interval/2 {
				// Lateness within the catch-up: the rate holds to 0.5 %.
				if got < tt.rate*0.995 || got > tt.rate*1.005 {
					t.Errorf("average %.2f/s, want %v/s", got, tt.rate)
				}
			} else if got > tt.rate {
				t.Errorf("average %.2f/s above the rate %v/s", got, tt.rate)
			}
		})
	}

	// After idling, the next start is at once and the one after a whole
	// interval later: no saved-up burst.
	clk := &virtualClock{now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	p := newPacer(10, clk)
	p.wait(context.Background())
	clk.now = clk.now.Add(time.Minute)
	before := clk.now
	p.wait(context.Background())
	p.wait(context.Background())
	if got := clk.now.Sub(before); got != 100*time.Millisecond {
		t.Errorf("after a minute idle, two starts took %v, want one interval (100ms)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	clk.now = clk.now.Add(time.Minute)
	if p.wait(ctx) {
		t.Error("wait with an ended context said go")
	}
}
