package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mapping"
	"mangotqm/app/tqm"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/store"
)

// tqmSender sends by link with the real TQM client (as the bridge does in
// passthrough mode, Retry-After and the key's fingerprint included).
type tqmSender struct{ c *tqm.Client }

func (s tqmSender) Send(ctx context.Context, _ calls.Call, fields []mapping.Field) (calls.Result, error) {
	fs := make([]tqm.Field, len(fields))
	for i, f := range fields {
		fs[i] = tqm.Field{Name: f.Name, Value: f.Value}
	}
	return s.c.Send(ctx, fs)
}

func (s tqmSender) KeyFingerprint(ctx context.Context) (string, error) {
	return s.c.KeyFingerprint(ctx)
}

// mutableKey is a key that can be changed while the worker runs (the
// keychain or the environment after a fix).
type mutableKey struct{ v atomic.Value }

func newKey(k string) *mutableKey  { m := &mutableKey{}; m.v.Store(k); return m }
func (m *mutableKey) set(k string) { m.v.Store(k) }
func (m *mutableKey) get(context.Context) (string, error) {
	return m.v.Load().(string), nil
}

type fakeStack struct {
	st   *store.Store
	fake *sandbox.Server
	key  *mutableKey
	w    *Worker
	logs *syncBuf
	stop func()
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// newFakeStack: a real store, the strict fake TQM accepting "good-key", a
// worker sending with key; tune adjusts the config before New.
func newFakeStack(t *testing.T, key string, tune func(*Config)) *fakeStack {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fake := sandbox.New("good-key")
	s := &fakeStack{st: st, fake: fake, key: newKey(key), logs: &syncBuf{}}
	sender := tqmSender{&tqm.Client{BaseURL: fake.URL(), Key: s.key.get, APIVersion: tqm.DefaultAPIVersion}}
	cfg := Config{Outbox: st, Pauses: st, Stuck: st, Rate: 50, FileLinkRequired: func() bool { return true },
		Schedule: calls.Waits{50 * time.Millisecond}, Sender: sender, KeyFingerprint: sender.KeyFingerprint,
		Mapping:         func(context.Context) (mapping.Config, error) { return mapping.Default(), nil },
		PauseCheckEvery: 20 * time.Millisecond,
		Logger:          slog.New(slog.NewTextHandler(s.logs, nil)),
	}
	if tune != nil {
		tune(&cfg)
	}
	s.w = New(cfg)
	t.Cleanup(func() {
		if s.stop != nil {
			s.stop()
		}
		fake.Close()
		_ = st.Close()
	})
	return s
}

func (s *fakeStack) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.w.Run(ctx) }()
	s.stop = func() { cancel(); <-done; s.stop = nil }
}

func (s *fakeStack) add(t *testing.T, id string) int64 {
	t.Helper()
	end := time.Now().Add(-time.Hour).UTC()
	p := fmt.Sprintf(`{"callId":%q,"dateStart":%q,"dateEnd":%q,"callerNumber":"74950000000","recordUrl":"https://rec.test/%s.mp3"}`,
		id, end.Add(-2*time.Minute).Format(time.RFC3339), end.Format(time.RFC3339), id)
	in, err := s.st.Intake(context.Background(), store.NewCall{Source: "calltracking", CallID: id, Raw: "{}", Params: p})
	if err != nil {
		t.Fatal(err)
	}
	s.w.Wake()
	return in.ID
}

func (s *fakeStack) waitDelivered(t *testing.T, rows ...int64) {
	t.Helper()
	clocktest.Eventually(t, "calls delivered", func() bool {
		for _, r := range rows {
			c, err := s.st.Get(context.Background(), r)
			if err != nil || c.Status != calls.StatusDelivered {
				return false
			}
		}
		return true
	})
}

// TestRetryAfterSlowsTheWholeSender: a 429 with Retry-After holds every
// request back until then, and does not use up one of the call's tries.
func TestRetryAfterSlowsTheWholeSender(t *testing.T) {
	for _, form := range []string{"seconds", "HTTP date"} {
		t.Run(form, func(t *testing.T) {
			ra := "1"
			if form == "HTTP date" {
				ra = time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
			}
			s := newFakeStack(t, "good-key", nil)
			s.fake.FailNextRetryAfter(1, 429, ra)
			var rows []int64
			for i := 0; i < 5; i++ {
				rows = append(rows, s.add(t, fmt.Sprint("RA-", i)))
			}
			s.start()
			s.waitDelivered(t, rows...)
			rej := s.fake.Rejected()
			if len(rej) != 1 || rej[0].Status != 429 {
				t.Fatalf("rejections %+v, want the one 429", rej)
			}
			want, _ := tqm.ParseRetryAfter(ra, rej[0].At)
			want -= 1100 * time.Millisecond // HTTP dates have whole seconds
			// Requests already on their way when the 429 came back may land
			// just after it; none may start later until Retry-After is over.
			for _, a := range s.fake.Accepted() {
				if d := a.At.Sub(rej[0].At); d > 300*time.Millisecond && d < want {
					t.Fatalf("request %v after the 429, Retry-After %s", d, ra)
				}
			}
			if got := s.fake.Find(rej[0].ID); len(got) != 1 || got[0].At.Sub(rej[0].At) < want {
				t.Fatalf("the rate-limited call was sent again too soon: %+v", got)
			}
			if n := len(s.fake.Accepted()); n != 5 {
				t.Fatalf("%d accepted, want 5", n)
			}
			c, _ := s.st.Get(context.Background(), rows[0])
			atts, _ := s.st.Attempts(context.Background(), rows[0])
			if c.Attempts != 1 || len(atts) != 2 || atts[0].HTTPStatus != 429 || !strings.Contains(atts[0].Response+atts[0].Error, "injected") {
				t.Fatalf("rate-limited call: tries %d, attempts %+v", c.Attempts, atts)
			}
		})
	}
}

// TestRetryAfterOn503IsHonoured: the next try is not before Retry-After,
// even when the schedule says sooner; it counts as a try.
func TestRetryAfterOn503IsHonoured(t *testing.T) {
	s := newFakeStack(t, "good-key", nil)
	s.fake.FailNextRetryAfter(1, 503, "1")
	row := s.add(t, "S-1")
	s.start()
	s.waitDelivered(t, row)
	rej, acc := s.fake.Rejected(), s.fake.Accepted()
	if gap := acc[0].At.Sub(rej[0].At); gap < 900*time.Millisecond {
		t.Fatalf("retried %v after a 503 with Retry-After: 1 (schedule 50 ms)", gap)
	}
	if c, _ := s.st.Get(context.Background(), row); c.Attempts != 2 {
		t.Fatalf("tries %d, want 2", c.Attempts)
	}
}

// TestInFlightFollowsTheRate: with TQM answering in 200 ms, the configured
// rate is reached (4 sends in flight would cap it at 20/s).
func TestInFlightFollowsTheRate(t *testing.T) {
	if got := InFlightFor(1000); got != 128 {
		t.Fatalf("InFlightFor(1000) = %d", got)
	}
	if got := InFlightFor(5); got != 5 {
		t.Fatalf("InFlightFor(5) = %d", got)
	}
	s := newFakeStack(t, "good-key", func(c *Config) { c.Rate = 100 })
	s.fake.SetDelay(200 * time.Millisecond)
	var rows []int64
	for i := 0; i < 150; i++ {
		rows = append(rows, s.add(t, fmt.Sprint("IF-", i)))
	}
	start := time.Now()
	s.start()
	s.waitDelivered(t, rows...)
	took := time.Since(start)
	acc := s.fake.Accepted()
	span := acc[len(acc)-1].At.Sub(acc[0].At)
	if span < 1300*time.Millisecond {
		t.Fatalf("150 calls at 100/s reached TQM within %v: faster than the rate", span)
	}
	if took > 4*time.Second {
		t.Fatalf("150 calls at 100/s with 200 ms answers took %v", took)
	}
}

// TestHangingTQM: a send past its deadline is abandoned and retried; the
// worker goes on with other calls meanwhile.
func TestHangingTQM(t *testing.T) {
	s := newFakeStack(t, "good-key", func(c *Config) {
		c.SendTimeout = 300 * time.Millisecond
		c.MaxInFlight = 1
		c.Schedule = calls.Waits{200 * time.Millisecond, 200 * time.Millisecond}
	})
	s.fake.SetDelay(time.Hour)
	a := s.add(t, "H-1")
	s.start()
	clocktest.Eventually(t, "the hanging try recorded", func() bool {
		atts, _ := s.st.Attempts(context.Background(), a)
		return len(atts) > 0
	})
	atts, _ := s.st.Attempts(context.Background(), a)
	if atts[0].Outcome != calls.OutcomeRetry || !strings.Contains(atts[0].Error, "deadline") {
		t.Fatalf("attempt %+v", atts[0])
	}
	b := s.add(t, "H-2")
	clocktest.Eventually(t, "the second call tried too", func() bool {
		atts, _ := s.st.Attempts(context.Background(), b)
		return len(atts) > 0
	})
	s.fake.SetDelay(0)
	s.waitDelivered(t, a, b)
}

// TestRejectedKeyResumesWhenTheKeyChanges: a 401 pauses sending and saves
// the rejected key's fingerprint; a changed key resumes by itself.
func TestRejectedKeyResumesWhenTheKeyChanges(t *testing.T) {
	s := newFakeStack(t, "bad-key", nil)
	row := s.add(t, "K-1")
	s.start()
	clocktest.Eventually(t, "the saved pause", func() bool {
		p, _ := s.st.LoadPause(context.Background())
		return p.Paused
	})
	if !s.w.Paused() || s.w.PausedReason() != store.PauseByKeyRejected {
		t.Fatalf("reason %q", s.w.PausedReason())
	}
	p, err := s.st.LoadPause(context.Background())
	if err != nil || !p.Paused || p.KeyFingerprint != tqm.Fingerprint("bad-key") || p.HTTPStatus != 401 {
		t.Fatalf("saved pause %+v %v", p, err)
	}
	s.key.set("good-key")
	s.waitDelivered(t, row)
	if p, _ := s.st.LoadPause(context.Background()); p.Paused {
		t.Fatalf("saved pause after the key changed: %+v", p)
	}
	if !strings.Contains(s.logs.String(), "access key was changed") {
		t.Fatalf("no log line about resuming:\n%s", s.logs.String())
	}
	if strings.Contains(s.logs.String(), "bad-key") || strings.Contains(s.logs.String(), "good-key") {
		t.Fatal("a key reached the log")
	}
}

// TestPausedAtStart: a worker that starts with a saved key rejection says
// so, stays paused with the same key, and resumes with another one, or
// when the saved pause is cleared (mangotqm resume).
func TestPausedAtStart(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		resume func(s *fakeStack)
	}{
		{name: "restart with a new key", key: "good-key"},
		{name: "same key, then mangotqm resume", key: "good-key-but-old", resume: func(s *fakeStack) {
			_ = s.st.SavePause(context.Background(), store.Pause{})
		}},
		{name: "same key, then the window's button", key: "good-key-but-old", resume: func(s *fakeStack) {
			_ = s.w.Resume(context.Background())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeStack(t, tt.key, nil)
			if tt.resume != nil {
				s.fake.SetKey(tt.key)
			}
			if err := s.st.SavePause(context.Background(), store.Pause{Paused: true, Reason: store.PauseByKeyRejected,
				KeyFingerprint: tqm.Fingerprint("good-key-but-old"), HTTPStatus: 403}); err != nil {
				t.Fatal(err)
			}
			row := s.add(t, "P-1")
			s.start()
			clocktest.Eventually(t, "the paused-at-start log line", func() bool {
				return strings.Contains(s.logs.String(), "delivery is paused: TQM rejected the access key")
			})
			if tt.resume != nil {
				if !s.w.Paused() || s.fake.Stats().Requests != 0 {
					t.Fatalf("paused %v, %d requests with the rejected key", s.w.Paused(), s.fake.Stats().Requests)
				}
				tt.resume(s)
			}
			s.waitDelivered(t, row)
			if s.w.Paused() {
				t.Fatal("still paused")
			}
		})
	}
}

// flakyOutbox fails Finish while failing > 0 (a full disk at that moment).
type flakyOutbox struct {
	*store.Store
	failing atomic.Int32
}

func (f *flakyOutbox) Finish(ctx context.Context, row int64, st calls.Step) error {
	if f.failing.Add(-1) >= 0 {
		return errors.New("disk I/O error: database or disk is full")
	}
	return f.Store.Finish(ctx, row, st)
}

// TestOutcomeIsRecordedAfterAFailedWrite: TQM's answer that could not be
// recorded is recorded later; the call does not stay "sending".
func TestOutcomeIsRecordedAfterAFailedWrite(t *testing.T) {
	var ob *flakyOutbox
	s := newFakeStack(t, "good-key", func(c *Config) {
		ob = &flakyOutbox{Store: c.Outbox.(*store.Store)}
		ob.failing.Store(3)
		c.Outbox = ob
	})
	row := s.add(t, "D-1")
	s.start()
	s.waitDelivered(t, row)
	if n := len(s.fake.Accepted()); n != 1 {
		t.Fatalf("TQM got the call %d times, want once", n)
	}
	if ob.failing.Load() >= 0 {
		t.Fatal("the failing writes were not exercised")
	}
}

// TestStuckSendingIsSwept: a call left "sending" (claimed, its outcome
// never recorded) is re-queued by the sweeper and delivered.
func TestStuckSendingIsSwept(t *testing.T) {
	s := newFakeStack(t, "good-key", func(c *Config) {
		c.StuckAfter, c.SweepEvery = 100*time.Millisecond, 20*time.Millisecond
	})
	row := s.add(t, "ST-1")
	if c, ok, err := s.st.Claim(context.Background()); err != nil || !ok || c.ID != row {
		t.Fatalf("claim %v %v", ok, err)
	}
	s.start()
	s.waitDelivered(t, row)
	c, _ := s.st.Get(context.Background(), row)
	if !c.OutcomeUnknown {
		t.Fatal("a swept call must say its earlier outcome is unknown")
	}
}

// TestResentInvalidCallIsParsedAgain: an invalid call (its parameters were
// not read) is delivered once resent, from its raw request.
func TestResentInvalidCallIsParsedAgain(t *testing.T) {
	s := newFakeStack(t, "good-key", nil)
	end := time.Now().Add(-time.Hour).UTC()
	q := fmt.Sprintf("callId=INV-1&dateStart=%s&dateEnd=%s&recordUrl=https%%3A%%2F%%2Frec.test%%2F1.mp3&utm_term=100%%",
		end.Add(-time.Minute).Format("2006-01-02T15:04:05Z"), end.Format("2006-01-02T15:04:05Z"))
	in, err := s.st.Intake(context.Background(), store.NewCall{Source: "calltracking",
		Raw: `{"method":"GET","query":"` + q + `"}`, Params: "{}", Invalid: calls.Legacy("malformed query string")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.Resend(context.Background(), in.ID); err != nil {
		t.Fatal(err)
	}
	s.start()
	s.waitDelivered(t, in.ID)
	if got := s.fake.Find("INV-1"); len(got) != 1 || got[0].Fields["fileLink"] != "https://rec.test/1.mp3" {
		t.Fatalf("TQM got %+v", got)
	}
}
