package delivery

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mapping"
)

// hookSender accepts every call and runs first() inside the first send.
type hookSender struct {
	*scriptSender
	once  sync.Once
	first func()
}

func (s *hookSender) Send(ctx context.Context, c calls.Call, f []mapping.Field) (calls.Result, error) {
	s.once.Do(s.first)
	return s.scriptSender.Send(ctx, c, f)
}

func TestClaimBatch(t *testing.T) {
	tests := []struct {
		rate float64
		free int
		want int
	}{
		{5, 4, 1}, // the default rate claims one call at a time
		{0.2, 4, 1},
		{100, 128, 10},
		{200, 128, 20},
		{200, 3, 3}, // never more than can be in flight
		{1000, 128, 100},
	}
	for _, tt := range tests {
		if got := claimBatch(tt.rate, tt.free); got != tt.want {
			t.Errorf("claimBatch(%v/s, %d free) = %d, want %d", tt.rate, tt.free, got, tt.want)
		}
	}
}

// TestCallsClaimedAheadAreHandedBack: at 200/s the worker claims 20 calls
// at a time. When sending pauses, or the worker stops, right after the
// first send, the calls claimed ahead and not sent go back to the queue
// untried: none is left "sending", none has a try or a counted attempt.
func TestCallsClaimedAheadAreHandedBack(t *testing.T) {
	for _, how := range []string{"pause", "stop"} {
		t.Run(how, func(t *testing.T) {
			h := newHarness(t, nil)
			hs := &hookSender{scriptSender: h.sender}
			h.w.cfg.Sender = hs
			var rows []int64
			for i := range 30 {
				rows = append(rows, h.add(t, fmt.Sprintf("AHEAD-%d", i), nil))
			}
			hs.first = func() {
				if how == "pause" {
					h.w.SetPaused(true)
				} else {
					h.cancel()
				}
			}
			h.start()
			if how == "stop" {
				<-h.done
			}
			ctx := context.Background()
			var n calls.Counts
			if !clocktest.Poll(ctx, clocktest.Patience, func() bool {
				var err error
				if n, err = h.st.Counts(ctx, time.Time{}); err != nil {
					t.Fatal(err)
				}
				return n.Sending == 0 && len(hs.sentIDs()) > 0
			}) {
				t.Fatalf("%d calls still sending", n.Sending)
			}
			h.stop()
			sent := hs.sentIDs()
			handedBack := 0
			for _, row := range rows {
				c, err := h.st.Get(ctx, row)
				if err != nil {
					t.Fatal(err)
				}
				atts, err := h.st.Attempts(ctx, row)
				if err != nil {
					t.Fatal(err)
				}
				if sent[c.CallID] {
					if c.Status != calls.StatusDelivered || len(atts) != 1 {
						t.Errorf("%s was sent: %s with %d tries recorded, want delivered with 1", c.CallID, c.Status, len(atts))
					}
					continue
				}
				if c.Status != calls.StatusQueued || c.Attempts != 0 || len(atts) != 0 {
					t.Errorf("%s was not sent: %s, attempts %d, %d tries recorded; want queued, 0, 0",
						c.CallID, c.Status, c.Attempts, len(atts))
				}
				if c.Updated.After(c.Received) {
					handedBack++
				}
			}
			if len(sent) >= len(rows) || handedBack == 0 {
				t.Fatalf("%d of %d sent, %d handed back: the %s did not find calls claimed ahead", len(sent), len(rows), handedBack, how)
			}
			t.Logf("%s after the first send: %d sent, %d claimed ahead and handed back", how, len(sent), handedBack)
		})
	}
}

func (s *scriptSender) sentIDs() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for _, r := range s.sent {
		out[r.callID] = true
	}
	return out
}
