package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mapping"
	"mangotqm/store"
)

// scriptSender answers from a script per call id, recording every send.
type scriptSender struct {
	mu     sync.Mutex
	script map[string][]calls.Result // popped in order; last one repeats
	errs   map[string]error
	sent   []sentReq
}

type sentReq struct {
	at     time.Time
	callID string
	fields []mapping.Field
}

func (s *scriptSender) Send(ctx context.Context, c calls.Call, f []mapping.Field) (calls.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sentReq{time.Now(), c.CallID, f})
	if err := s.errs[c.CallID]; err != nil {
		return calls.Result{Outcome: calls.OutcomeRetry}, err
	}
	q := s.script[c.CallID]
	if len(q) == 0 {
		return calls.Result{Outcome: calls.OutcomeDelivered, HTTPStatus: 200, CorrelationID: "corr-" + c.CallID}, nil
	}
	r := q[0]
	if len(q) > 1 {
		s.script[c.CallID] = q[1:]
	}
	return r, nil
}

func (s *scriptSender) count(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.sent {
		if r.callID == id {
			n++
		}
	}
	return n
}

type harness struct {
	st       *store.Store
	sender   *scriptSender
	w        *Worker
	mu       sync.Mutex
	incident map[string]bool
	cancel   context.CancelFunc
	done     chan struct{}
}

func newHarness(t *testing.T, schedule calls.Schedule) *harness {
	t.Helper()
	return newHarnessAt(t, schedule, nil)
}

// newHarnessAt is newHarness with the worker and the store reading the
// time from now (nil: the wall clock).
func newHarnessAt(t *testing.T, schedule calls.Schedule, now func() time.Time) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{Clock: clock.Reading(now)})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{st: st, sender: &scriptSender{script: map[string][]calls.Result{}, errs: map[string]error{}},
		incident: map[string]bool{}}
	h.w = New(Config{
		Outbox: st, Pauses: st, Stuck: st, Sender: h.sender, Schedule: schedule, Rate: 200, FileLinkRequired: func() bool { return true },
		Mapping: func(context.Context) (mapping.Config, error) { return mapping.Default(), nil },
		Clock:   clock.Reading(now),
		OnIncident: func(kind string, open bool, _ string) {
			h.mu.Lock()
			h.incident[kind] = open
			h.mu.Unlock()
		},
	})
	t.Cleanup(func() {
		h.stop()
		_ = st.Close()
	})
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() { defer close(h.done); _ = h.w.Run(ctx) }()
}

func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
}

func (h *harness) add(t *testing.T, id string, extra map[string]string) int64 {
	t.Helper()
	p := map[string]string{"callId": id, "dateStart": "2026-11-20T07:00Z", "dateEnd": "2026-11-20T07:03Z",
		"callerNumber": "74950000000", "recordUrl": "https://rec.test/" + id + ".mp3"}
	for k, v := range extra {
		p[k] = v
	}
	b, _ := json.Marshal(p)
	in, err := h.st.Intake(context.Background(), store.NewCall{Source: "calltracking", CallID: id, Raw: "{}", Params: string(b)})
	if err != nil {
		t.Fatal(err)
	}
	h.w.Wake()
	return in.ID
}

func (h *harness) waitStatus(t *testing.T, row int64, status calls.Status) calls.Call {
	t.Helper()
	var c calls.Call
	if !clocktest.Poll(context.Background(), clocktest.Patience, func() bool {
		var err error
		if c, err = h.st.Get(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		return c.Status == status
	}) {
		t.Fatalf("call %d is %q (%s), want %q", row, c.Status, c.LastError, status)
	}
	return c
}

func TestDeliveryOutcomes(t *testing.T) {
	short := calls.Waits{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}
	tests := []struct {
		name         string
		script       []calls.Result
		err          error
		extra        map[string]string
		wantStatus   calls.Status
		wantSends    int
		wantAttempts []calls.Outcome // outcomes in order
		wantIncident string
		wantTries    int // the call's attempts counter at the end, when non-zero
	}{
		{name: "accepted", wantStatus: calls.StatusDelivered, wantSends: 1,
			wantAttempts: []calls.Outcome{calls.OutcomeDelivered}},
		{name: "outage then ok", script: []calls.Result{{Outcome: calls.OutcomeRetry, HTTPStatus: 503}, {Outcome: calls.OutcomeRetry, HTTPStatus: 503},
			{Outcome: calls.OutcomeDelivered, HTTPStatus: 200}},
			wantStatus: calls.StatusDelivered, wantSends: 3,
			wantAttempts: []calls.Outcome{calls.OutcomeRetry, calls.OutcomeRetry, calls.OutcomeDelivered}},
		{name: "gives up after the schedule", script: []calls.Result{{Outcome: calls.OutcomeRetry, HTTPStatus: 500}},
			wantStatus: calls.StatusFailed, wantSends: 4, wantIncident: IncidentCallFailed,
			wantAttempts: []calls.Outcome{calls.OutcomeRetry, calls.OutcomeRetry, calls.OutcomeRetry, calls.OutcomeRetry}},
		{name: "connection errors retry", err: errors.New("dial tcp: connection refused"),
			wantStatus: calls.StatusFailed, wantSends: 4},
		{name: "refused by TQM", script: []calls.Result{{Outcome: calls.OutcomeRejected, HTTPStatus: 400, Response: `{"message":"bad id"}`}},
			wantStatus: calls.StatusAttention, wantSends: 1, wantAttempts: []calls.Outcome{calls.OutcomeRejected}},
		{name: "needs attention, not sent", script: []calls.Result{{Outcome: calls.OutcomeAttention, Reason: calls.Legacy("no usable recording")}},
			wantStatus: calls.StatusAttention, wantSends: 1, wantAttempts: []calls.Outcome{calls.OutcomeAttention}},
		{name: "waits for a recording, uncounted", script: []calls.Result{{Outcome: calls.OutcomeWaiting, RetryAfter: 10 * time.Millisecond,
			Reason: calls.Legacy("recording not ready")}, {Outcome: calls.OutcomeWaiting, RetryAfter: 10 * time.Millisecond}, {Outcome: calls.OutcomeDelivered, HTTPStatus: 200}},
			wantStatus: calls.StatusDelivered, wantSends: 3, wantTries: 1,
			wantAttempts: []calls.Outcome{calls.OutcomeWaiting, calls.OutcomeWaiting, calls.OutcomeDelivered}},
		{name: "skipped", script: []calls.Result{{Outcome: calls.OutcomeSkipped, Reason: calls.Legacy("no recording: call shorter than 6 s")}},
			wantStatus: calls.StatusSkipped, wantSends: 1, wantAttempts: []calls.Outcome{calls.OutcomeSkipped}},
		{name: "invalid mapping is not sent", extra: map[string]string{"recordUrl": ""},
			wantStatus: calls.StatusAttention, wantSends: 0, wantAttempts: []calls.Outcome{calls.OutcomeAttention}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, short)
			id := "C-" + tt.name
			h.sender.script[id] = tt.script
			if tt.err != nil {
				h.sender.errs[id] = tt.err
			}
			row := h.add(t, id, tt.extra)
			h.start()
			c := h.waitStatus(t, row, tt.wantStatus)
			h.stop()
			if got := h.sender.count(id); got != tt.wantSends {
				t.Errorf("sent %d times, want %d", got, tt.wantSends)
			}
			atts, err := h.st.Attempts(context.Background(), row)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantAttempts != nil {
				if len(atts) != len(tt.wantAttempts) {
					t.Fatalf("attempts %+v, want outcomes %v", atts, tt.wantAttempts)
				}
				for i, a := range atts {
					if a.Outcome != tt.wantAttempts[i] {
						t.Errorf("attempt %d outcome %q, want %q", i, a.Outcome, tt.wantAttempts[i])
					}
				}
			}
			if tt.script == nil && tt.wantStatus == calls.StatusDelivered {
				if c.CorrelationID != "corr-"+id || atts[0].CorrelationID != "corr-"+id {
					t.Errorf("x-correlation-id not recorded: call %q attempt %q", c.CorrelationID, atts[0].CorrelationID)
				}
			}
			if tt.wantTries != 0 && c.Attempts != tt.wantTries {
				t.Errorf("attempts counter %d, want %d", c.Attempts, tt.wantTries)
			}
			if tt.wantIncident != "" && !h.incident[tt.wantIncident] {
				t.Errorf("incident %q not raised", tt.wantIncident)
			}
			if c.Request == "" && tt.wantSends > 0 {
				t.Error("mapped request not recorded")
			}
		})
	}
}

// Under synctest: the database is real, the time fake, and synctest.Wait
// says when the paused worker has done all it would.
func TestKeyRejectedPausesAndKeepsTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's fake time starts in 2000: the calls' 2026 dates must
		// not be in the future.
		h := newHarnessAt(t, nil, func() time.Time { return time.Now().AddDate(27, 0, 0) })
		h.sender.script["K1"] = []calls.Result{{Outcome: calls.OutcomePaused, HTTPStatus: 401}, {Outcome: calls.OutcomeDelivered, HTTPStatus: 200}}
		row := h.add(t, "K1", nil)
		h.start()
		clocktest.Eventually(t, "delivery pausing on 401", h.w.Paused)
		c := h.waitStatus(t, row, calls.StatusQueued)
		if c.Attempts != 0 {
			t.Errorf("a rejected key must not use up the call's tries; attempts = %d", c.Attempts)
		}
		h.mu.Lock()
		open := h.incident[IncidentKeyRejected]
		h.mu.Unlock()
		if !open {
			t.Error("no 'TQM key rejected' incident")
		}
		// Paused: new calls are stored but not sent.
		// synctest.Wait: every goroutine (the woken worker too) has done all it
		// could.
		row2 := h.add(t, "K2", nil)
		synctest.Wait()
		if n := h.sender.count("K2"); n != 0 {
			t.Fatalf("sent %d times while paused", n)
		}
		h.w.SetPaused(false)
		h.waitStatus(t, row, calls.StatusDelivered)
		h.waitStatus(t, row2, calls.StatusDelivered)
	})
}

func TestRateIsSmooth(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sender := &scriptSender{script: map[string][]calls.Result{}, errs: map[string]error{}}
	const rate = 20.0
	w := New(Config{Outbox: st, Sender: sender, Rate: rate, MaxInFlight: 8,
		Mapping: func(context.Context) (mapping.Config, error) { return mapping.Default(), nil }})
	for i := 0; i < 10; i++ {
		p := fmt.Sprintf(`{"callId":"R%d","dateStart":"2026-11-20T07:00Z","dateEnd":"2026-11-20T07:03Z","recordUrl":"https://r.test/x"}`, i)
		if _, err := st.Intake(context.Background(), store.NewCall{Source: "calltracking", CallID: fmt.Sprint("R", i), Raw: "{}", Params: p}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	clocktest.Eventually(t, "10 calls sent", func() bool {
		sender.mu.Lock()
		defer sender.mu.Unlock()
		return len(sender.sent) == 10
	})
	cancel()
	<-done
	interval := time.Duration(float64(time.Second) / rate)
	// Ten sends at 20/s take at least nine intervals; a burst would take
	// almost nothing. (Only the span is checked: a goroutine scheduled late
	// on a busy machine may shorten one gap, never the whole span by much.)
	span := sender.sent[len(sender.sent)-1].at.Sub(sender.sent[0].at)
	if want := 9 * interval * 8 / 10; span < want {
		t.Errorf("10 sends took %v; at %v/s they must take at least %v", span, rate, want)
	}
}
