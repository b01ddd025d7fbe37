package reconcile

import (
	"context"
	"errors"
	"fmt"
	"mangotqm/app/clock"
	"sync"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/store"
)

const (
	testKey  = "reconciletestcode0000000000"
	testSalt = "reconciletestsalt00000000000001"
)

// fakeClock is virtual time: Sleep advances it at once, After fires when
// Advance (or a Sleep) passes its time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	armed   int // After calls so far
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.armed++
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

type env struct {
	st    *store.Store
	mango *vpbxfake.Server
	clock *fakeClock
	vc    *vpbx.Client
	eng   *Engine
	t0    time.Time
}

// newEnv: a real store, the strict fake VPBX and the engine, all on one
// virtual clock (the client's own spacing is made tiny so that only the
// engine's spacing, on the virtual clock, is what the fake sees).
func newEnv(t *testing.T, opts ...vpbxfake.Option) *env {
	t.Helper()
	e := &env{t0: time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)}
	e.clock = newFakeClock(e.t0)
	var err error
	if e.st, err = store.Open(context.Background(), t.TempDir(), store.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.st.Close() })
	e.mango = vpbxfake.New(testKey, testSalt, append([]vpbxfake.Option{vpbxfake.WithClock(e.clock.Now)}, opts...)...)
	t.Cleanup(e.mango.Close)
	e.vc = &vpbx.Client{BaseURL: e.mango.URL(), Key: testKey, Salt: testSalt, Clock: clock.Reading(e.clock.Now),
		Limits: vpbx.Limits{General: time.Nanosecond, StatsStart: time.Nanosecond, Pause429: time.Nanosecond}}
	e.eng = New(Config{Stats: e.vc, Store: e.st, Clock: e.clock})
	return e
}

// addCalls puts n answered, recorded inbound calls into Mango, spread
// evenly over [from, to).
func (e *env) addCalls(prefix string, n int, from, to time.Time) []string {
	step := to.Sub(from) / time.Duration(n)
	var ids []string
	for i := range n {
		start := from.Add(time.Duration(i) * step)
		id := fmt.Sprintf("%s%05d", prefix, i)
		e.mango.AddCall(id, fmt.Sprintf("7916%07d", i), "101", start, start.Add(90*time.Second), "rec-"+id)
		ids = append(ids, id)
	}
	return ids
}

func (e *env) rowsBySource(t *testing.T, src calls.Source) map[string]int {
	t.Helper()
	list, err := e.st.List(context.Background(), calls.Filter{Sources: []calls.Source{src}, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range list {
		out[c.CallID]++
	}
	return out
}

// A 3-month backfill: at least 3 stats requests, none longer than a month,
// stats/request at least 2 s apart, stats/result polled at least 5 s after
// the request and after each other (all on the fake's recorded clock), the
// first poll answered 204; every call stored once, with its recording.
func TestBackfillThreeMonthsKeepsMangosLimits(t *testing.T) {
	e := newEnv(t, vpbxfake.WithStatsReady(1, 0))
	from := e.t0.AddDate(0, -4, 0)
	to := from.AddDate(0, 3, 0)
	ids := e.addCalls("E", 90, from, to)
	var reports []Progress
	p, err := e.eng.Backfill(context.Background(), from, to, func(p Progress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	if !p.Done || p.Found != 90 || p.New != 90 || p.Known != 0 || p.ChunksDone != p.Chunks {
		t.Fatalf("progress %+v", p)
	}
	periods := e.mango.StatsPeriods()
	if len(periods) < 3 {
		t.Fatalf("%d stats requests for 3 months, want >= 3", len(periods))
	}
	month := 31 * 24 * time.Hour
	for i, sp := range periods {
		if d := sp.To.Sub(sp.From); d > month || d > vpbx.MaxStatsRange {
			t.Errorf("request %d covers %s, more than a month", i, d)
		}
		if i > 0 && sp.Time.Sub(periods[i-1].Time) < 2*time.Second {
			t.Errorf("stats/request %d only %s after the previous one", i, sp.Time.Sub(periods[i-1].Time))
		}
	}
	if !periods[0].From.Equal(from) || !periods[len(periods)-1].To.Equal(to) {
		t.Errorf("periods do not cover the range: %v .. %v", periods[0].From, periods[len(periods)-1].To)
	}
	// Every poll is ≥ 5 s after the request or poll before it.
	var last time.Time
	polls204 := 0
	for _, r := range e.mango.Requests() {
		switch r.Path {
		case "stats/request":
			last = r.Time
		case "stats/result":
			if r.Time.Sub(last) < 5*time.Second {
				t.Errorf("stats/result polled %s after the previous stats call", r.Time.Sub(last))
			}
			if r.HTTPStatus == 204 {
				polls204++
			}
			last = r.Time
		}
		if r.HTTPStatus == 429 || r.HTTPStatus == 401 {
			t.Errorf("fake Mango answered %d to %s", r.HTTPStatus, r.Path)
		}
	}
	if polls204 < len(periods) {
		t.Errorf("%d polls answered 204, want one per request (%d)", polls204, len(periods))
	}
	got := e.rowsBySource(t, calls.SourceBackfill)
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("call %s stored %d times", id, got[id])
		}
		if recs, _ := e.st.RecordingIDs(context.Background(), id); len(recs) != 1 || recs[0] != "rec-"+id {
			t.Errorf("call %s recordings %v", id, recs)
		}
	}
	if len(reports) != p.Chunks+1 || reports[len(reports)-1].ChunksDone != p.Chunks {
		t.Errorf("progress reports %+v", reports)
	}
	// A second backfill of the same range finds everything known.
	p2, err := e.eng.Backfill(context.Background(), from, to, nil)
	if err != nil || p2.New != 0 || p2.Known != 90 || p2.Resumed {
		t.Fatalf("second backfill %+v, %v", p2, err)
	}
}

// Cancelled after the first chunk (Ctrl-C), the backfill keeps what it
// stored; a rerun resumes after it and every call ends up stored once.
func TestBackfillInterruptedThenResumed(t *testing.T) {
	e := newEnv(t)
	from := e.t0.AddDate(0, -3, 0)
	to := from.Add(75 * 24 * time.Hour)
	ids := e.addCalls("R", 60, from, to)
	ctx, cancel := context.WithCancel(context.Background())
	p, err := e.eng.Backfill(ctx, from, to, func(p Progress) {
		if p.ChunksDone == 1 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || p.ChunksDone != 1 || p.Done {
		t.Fatalf("interrupted backfill: %+v, %v", p, err)
	}
	firstNew := p.New
	before := len(e.mango.StatsPeriods())
	p, err = e.eng.Backfill(context.Background(), from, to, nil)
	if err != nil || !p.Resumed || !p.Done || p.New != 60 || p.Known != 0 {
		t.Fatalf("resumed backfill: %+v, %v (first run stored %d)", p, err, firstNew)
	}
	if asked := e.mango.StatsPeriods()[before:]; len(asked) != 2 || !asked[0].From.Equal(from.Add(vpbx.MaxStatsRange)) {
		t.Errorf("the rerun asked for %+v, want the two chunks after the first", asked)
	}
	got := e.rowsBySource(t, calls.SourceBackfill)
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("call %s stored %d times", id, got[id])
		}
	}
}

// The first reconcile looks back an hour; the next one starts an hour
// before the end of the last window; calls that ended in the last two
// minutes wait for the next run.
func TestReconcileWindows(t *testing.T) {
	e := newEnv(t)
	old := e.t0.Add(-3 * time.Hour)
	e.mango.AddCall("OLD", "79160000001", "101", old, old.Add(time.Minute), "rec-old")
	recent := e.t0.Add(-30 * time.Minute)
	e.mango.AddCall("RECENT", "79160000002", "101", recent, recent.Add(time.Minute), "rec-recent")
	fresh := e.t0.Add(-90 * time.Second)
	e.mango.AddCall("FRESH", "79160000003", "101", fresh, fresh.Add(30*time.Second), "rec-fresh")

	r := e.eng.Reconcile(context.Background())
	if r.Err != nil || r.New != 1 || !r.From.Equal(e.t0.Add(-time.Hour)) || !r.To.Equal(e.t0) {
		t.Fatalf("first run %+v", r)
	}
	e.clock.Advance(15 * time.Minute)
	r = e.eng.Reconcile(context.Background())
	if r.Err != nil || r.New != 1 || r.Known != 1 || !r.From.Equal(e.t0.Add(-time.Hour)) {
		t.Fatalf("second run %+v", r)
	}
	got := e.rowsBySource(t, calls.SourceReconcile)
	if got["OLD"] != 0 || got["RECENT"] != 1 || got["FRESH"] != 1 {
		t.Fatalf("reconciled rows %v", got)
	}
}

// A wrong signing key ends the run with ErrCredentials (nothing retried
// inside the lockout window); a pause for another reason is waited out.
func TestReconcileCredentialsAndLockout(t *testing.T) {
	e := newEnv(t)
	bad := &vpbx.Client{BaseURL: e.mango.URL(), Key: testKey, Salt: "wrong", Clock: clock.Reading(e.clock.Now), AllowShortLockout: true}
	eng := New(Config{Stats: bad, Store: e.st, Clock: e.clock})
	r := eng.Reconcile(context.Background())
	if !r.CredentialsProblem() {
		t.Fatalf("wrong salt: %+v", r)
	}
	r = eng.Reconcile(context.Background())
	if !r.CredentialsProblem() || e.mango.MaxInvalidWithin(2*time.Minute) > 1 {
		t.Fatalf("second run %+v; invalid requests %v", r, e.mango.InvalidRequests())
	}

	e.vc.Pause(vpbx.LockoutError{Code: vpbx.ResultRecordingNotFound, Path: "queries/recording/post", Until: e.clock.Now().Add(2 * time.Minute)})
	before := e.clock.Now()
	r = e.eng.Reconcile(context.Background())
	if r.Err != nil {
		t.Fatalf("after a recording lockout: %+v", r)
	}
	if reqs := e.mango.RequestsTo("stats/request"); len(reqs) == 0 || reqs[len(reqs)-1].Before(before.Add(2*time.Minute)) {
		t.Fatalf("stats/request sent during the pause: %v (pause from %v)", reqs, before)
	}
}

func TestChunks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		to   time.Time
		want int
	}{
		{t0, 0}, {t0.Add(time.Hour), 1}, {t0.Add(vpbx.MaxStatsRange), 1}, {t0.Add(vpbx.MaxStatsRange + time.Second), 2},
		{t0.AddDate(0, 3, 0), 4},
	} {
		cs := Chunks(t0, tc.to, vpbx.MaxStatsRange)
		if len(cs) != tc.want {
			t.Errorf("Chunks(%s) = %d chunks, want %d", tc.to.Sub(t0), len(cs), tc.want)
		}
		for i, c := range cs {
			if c.To.Sub(c.From) > vpbx.MaxStatsRange || (i > 0 && !c.From.Equal(cs[i-1].To)) {
				t.Errorf("chunk %d %+v", i, c)
			}
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		end  bool
		want time.Time
		bad  bool
	}{
		{"2026-03-01", false, time.Date(2026, 2, 28, 21, 0, 0, 0, time.UTC), false},
		{"2026-03-01", true, time.Date(2026, 3, 1, 21, 0, 0, 0, time.UTC), false},
		{"2026-03-01T10:30:00", false, time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC), false},
		{"2026-03-01T10:30:00Z", false, time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC), false},
		{"2026-03-01T10:30:00+05:00", true, time.Date(2026, 3, 1, 5, 30, 0, 0, time.UTC), false},
		{"01.03.2026", false, time.Time{}, true},
	} {
		got, err := ParseTime(tc.in, tc.end)
		if (err != nil) != tc.bad || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q, %v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
		}
	}
}

// The loop runs at start, then every interval; a new interval applies at
// once; 0 stops it.
func TestLoop(t *testing.T) {
	e := newEnv(t)
	results := make(chan Result, 10)
	l := NewLoop(e.eng, 15*time.Minute, nil, func(r Result) { results <- r })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	next := func(what string) Result {
		t.Helper()
		select {
		case r := <-results:
			return r
		case <-time.After(10 * time.Second):
			t.Fatalf("no reconcile run %s", what)
		}
		return Result{}
	}
	if r := next("at start"); r.Err != nil {
		t.Fatal(r.Err)
	}
	if r, ok := l.Last(); !ok || r.Err != nil {
		t.Fatalf("Last = %+v, %v", r, ok)
	}
	waitArmed(t, e.clock, 1)
	e.clock.Advance(15 * time.Minute)
	next("after 15 minutes")
	waitArmed(t, e.clock, 2)
	l.SetEvery(time.Hour)
	waitArmed(t, e.clock, 3)
	e.clock.Advance(59 * time.Minute)
	select {
	case r := <-results:
		t.Fatalf("ran after 59 minutes with an hourly interval: %+v", r)
	default:
	}
	e.clock.Advance(time.Minute)
	next("after an hour")
}

// waitArmed waits until the loop armed its n-th timer on the fake clock.
func waitArmed(t *testing.T, c *fakeClock, n int) {
	t.Helper()
	clocktest.Eventually(t, "the loop waiting", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.armed >= n
	})
}
