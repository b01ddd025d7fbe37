// Package vmtest provides Fake, an in-memory stand-in for the bridge's
// roles the main window uses (vm.CallLog, vm.Deliveries, vm.Mappings,
// vm.Tunnel, vm.Place) for view-model and window tests: it holds calls,
// filters them like the store does, and records what the UI asked for
// (resends, pause, copied URLs, mappings).
package vmtest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/clock"
	"mangotqm/app/demo"
	"mangotqm/app/mapping"
	"mangotqm/tunnel"
)

// Fake plays the main window's roles (vm.Backend) in memory. Safe for concurrent use.
type Fake struct {
	mu        sync.Mutex
	calls     []calls.Call // newest first
	attempts  map[int64][]calls.Attempt
	counts    calls.Counts
	incidents []calls.Incident
	status    tunnel.Status
	endpoints []bridge.Endpoint
	paused    bool
	mapping   mapping.Config
	preview   mapping.Result
	err       error
	dataDir   string
	demo      bool
	subs      []chan bridge.Event
	daily     []bridge.DayCount
	clock     clock.Clock // nil = the wall clock (SetClock)

	// what the UI did
	filters   []calls.Filter
	resent    []int64
	since     []time.Time
	copied    []string
	saved     []mapping.Config
	simulated int
	scenarios []demo.Scenario
}

// New returns a fake with an online tunnel at url (none if "").
func New(dataDir, url string) *Fake {
	f := &Fake{dataDir: dataDir, attempts: map[int64][]calls.Attempt{}, mapping: mapping.Default()}
	if url != "" {
		f.status = tunnel.Status{State: tunnel.Online, URL: url}
		f.endpoints = []bridge.Endpoint{{Name: "calltracking", URL: url}}
	}
	return f
}

// ErrBroken is returned by every data method after Break.
var ErrBroken = errors.New("fake backend broken")

// Break makes every data method fail (or work again with nil).
func (f *Fake) Break(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

// SetClock sets the clock the fake reads today and a simulated call's
// arrival from (nil = the wall clock).
func (f *Fake) SetClock(c clock.Clock) { f.mu.Lock(); f.clock = c; f.mu.Unlock() }

// now reads the fake's clock; f.mu must be held.
func (f *Fake) now() time.Time { return clock.Or(f.clock).Now() }

// SetDemo marks the fake as a demo bridge.
func (f *Fake) SetDemo(v bool) { f.mu.Lock(); f.demo = v; f.mu.Unlock() }

// SetTunnel sets the tunnel status and endpoints.
func (f *Fake) SetTunnel(s tunnel.Status, eps ...bridge.Endpoint) {
	f.mu.Lock()
	f.status, f.endpoints = s, eps
	f.mu.Unlock()
	f.publish(bridge.Event{Kind: bridge.EventTunnel})
}

// SetCounts sets what Counts returns.
func (f *Fake) SetCounts(c calls.Counts) { f.mu.Lock(); f.counts = c; f.mu.Unlock() }

// SetPreview sets what Preview returns.
func (f *Fake) SetPreview(r mapping.Result) { f.mu.Lock(); f.preview = r; f.mu.Unlock() }

// AddCall stores a call (row id assigned when 0) with its attempts.
func (f *Fake) AddCall(c calls.Call, atts ...calls.Attempt) int64 {
	f.mu.Lock()
	if c.ID == 0 {
		c.ID = int64(len(f.calls) + 1)
	}
	f.calls = append([]calls.Call{c}, f.calls...)
	f.attempts[c.ID] = atts
	f.mu.Unlock()
	f.publish(bridge.Event{Kind: bridge.EventCall, CallRow: c.ID})
	return c.ID
}

// OpenIncident adds an open incident.
func (f *Fake) OpenIncident(in calls.Incident) {
	f.mu.Lock()
	f.incidents = append(f.incidents, in)
	f.mu.Unlock()
	f.publish(bridge.Event{Kind: bridge.EventIncident, IncidentKind: in.Kind, Opened: true, Message: in.Message})
}

func (f *Fake) publish(e bridge.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// Subscribe implements vm.CallLog.
func (f *Fake) Subscribe() (<-chan bridge.Event, func()) {
	ch := make(chan bridge.Event, 64)
	f.mu.Lock()
	f.subs = append(f.subs, ch)
	f.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			f.mu.Lock()
			f.subs = slices.DeleteFunc(f.subs, func(c chan bridge.Event) bool { return c == ch })
			f.mu.Unlock()
			close(ch)
		})
	}
}

// Calls implements vm.CallLog, filtering like store.List.
func (f *Fake) Calls(_ context.Context, flt calls.Filter) ([]calls.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, flt)
	if f.err != nil {
		return nil, f.err
	}
	var out []calls.Call
	q := strings.ToLower(flt.Search)
	for _, c := range f.calls {
		if len(flt.Statuses) > 0 && !slices.Contains(flt.Statuses, c.Status) {
			continue
		}
		if !flt.Since.IsZero() && c.Received.Before(flt.Since) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(c.Caller+"\x00"+c.Operator+"\x00"+c.CallID+"\x00"+c.Reason), q) {
			continue
		}
		out = append(out, c)
	}
	limit := flt.Limit
	if limit <= 0 {
		limit = 500
	}
	out = out[min(flt.Offset, len(out)):]
	return out[:min(limit, len(out))], nil
}

// Call implements vm.CallLog.
func (f *Fake) Call(_ context.Context, row int64) (calls.Call, []calls.Attempt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return calls.Call{}, nil, f.err
	}
	for _, c := range f.calls {
		if c.ID == row {
			return c, f.attempts[row], nil
		}
	}
	return calls.Call{}, nil, calls.ErrNotFound
}

// Counts implements vm.CallLog.
func (f *Fake) Counts(context.Context) (calls.Counts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts, f.err
}

// Resend implements vm.Deliveries: the call goes back to queued.
func (f *Fake) Resend(_ context.Context, row int64) error {
	f.mu.Lock()
	if f.err != nil {
		f.mu.Unlock()
		return f.err
	}
	f.resent = append(f.resent, row)
	for i := range f.calls {
		if f.calls[i].ID == row {
			f.calls[i].Status = calls.StatusQueued
		}
	}
	f.mu.Unlock()
	f.publish(bridge.Event{Kind: bridge.EventCall, CallRow: row})
	return nil
}

// ResendFailedSince implements vm.Deliveries.
func (f *Fake) ResendFailedSince(_ context.Context, since time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	f.since = append(f.since, since)
	n := 0
	for i, c := range f.calls {
		if (c.Status == calls.StatusFailed || c.Status == calls.StatusAttention) && !c.Received.Before(since) {
			f.calls[i].Status = calls.StatusQueued
			n++
		}
	}
	return n, nil
}

// SetPaused implements vm.Deliveries.
func (f *Fake) SetPaused(_ context.Context, p bool) error {
	f.mu.Lock()
	if f.err != nil {
		f.mu.Unlock()
		return f.err
	}
	f.paused = p
	f.mu.Unlock()
	f.publish(bridge.Event{Kind: bridge.EventDelivery})
	return nil
}

// Paused implements vm.Deliveries.
func (f *Fake) Paused() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.paused }

// Endpoints implements vm.Tunnel.
func (f *Fake) Endpoints() []bridge.Endpoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.endpoints)
}

// TunnelStatus implements vm.Tunnel.
func (f *Fake) TunnelStatus() tunnel.Status { f.mu.Lock(); defer f.mu.Unlock(); return f.status }

// Incidents implements vm.CallLog.
func (f *Fake) Incidents(context.Context) ([]calls.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.incidents), f.err
}

// Mapping implements vm.Mappings.
func (f *Fake) Mapping(context.Context) (mapping.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mapping, f.err
}

// SetMapping implements vm.Mappings.
func (f *Fake) SetMapping(_ context.Context, m mapping.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.mapping = m
	f.saved = append(f.saved, m)
	return nil
}

// Preview implements vm.Mappings: the preview set with SetPreview, or
// bridge.ErrNoCalls when none.
func (f *Fake) Preview(context.Context, mapping.Config) (mapping.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.preview.Fields) == 0 {
		return mapping.Result{}, bridge.ErrNoCalls
	}
	return f.preview, f.err
}

// MarkURLCopied implements vm.Tunnel.
func (f *Fake) MarkURLCopied(_ context.Context, url string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copied = append(f.copied, url)
	return nil
}

// DataDir implements vm.Place.
func (f *Fake) DataDir() string { return f.dataDir }

// Demo implements vm.Place.
func (f *Fake) Demo() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.demo }

// Simulate implements vm.Simulator: adds a delivered call.
func (f *Fake) Simulate(context.Context) (int64, error) {
	f.mu.Lock()
	f.simulated++
	received := f.now()
	f.mu.Unlock()
	return f.AddCall(calls.Call{CallID: "SIM", Caller: "74950000000", Status: calls.StatusQueued, Received: received}), nil
}

// AttemptCounts implements vm.CallLog: the attempts stored with AddCall.
func (f *Fake) AttemptCounts(_ context.Context, rows []int64) (map[int64]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	out := map[int64]int{}
	for _, r := range rows {
		if n := len(f.attempts[r]); n > 0 {
			out[r] = n
		}
	}
	return out, nil
}

// SetDaily sets what DailyCounts returns.
func (f *Fake) SetDaily(d []bridge.DayCount) { f.mu.Lock(); f.daily = slices.Clone(d); f.mu.Unlock() }

// DailyCounts implements vm.CallLog: the days set with SetDaily (the last
// days of them), else days empty days ending today.
func (f *Fake) DailyCounts(_ context.Context, days int) ([]bridge.DayCount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if len(f.daily) > 0 {
		return slices.Clone(f.daily[max(0, len(f.daily)-days):]), nil
	}
	now := f.now()
	out := make([]bridge.DayCount, days)
	for i := range out {
		out[i].Day = time.Date(now.Year(), now.Month(), now.Day()-(days-1-i), 0, 0, 0, 0, now.Location())
	}
	return out, nil
}

// SimulateScenario implements vm.ScenarioSimulator: a queued call.
func (f *Fake) SimulateScenario(ctx context.Context, s demo.Scenario) (int64, error) {
	f.mu.Lock()
	f.scenarios = append(f.scenarios, s)
	f.mu.Unlock()
	return f.Simulate(ctx)
}

// Scenarios returns the scenarios SimulateScenario was asked for.
func (f *Fake) Scenarios() []demo.Scenario {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.scenarios)
}

// Filters returns every filter Calls was asked with.
func (f *Fake) Filters() []calls.Filter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.filters)
}

// Resent returns the rows Resend was called for.
func (f *Fake) Resent() []int64 { f.mu.Lock(); defer f.mu.Unlock(); return slices.Clone(f.resent) }

// ResentSince returns the times ResendFailedSince was called with.
func (f *Fake) ResentSince() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.since)
}

// Copied returns the URLs MarkURLCopied was told about.
func (f *Fake) Copied() []string { f.mu.Lock(); defer f.mu.Unlock(); return slices.Clone(f.copied) }

// Saved returns every mapping SetMapping stored.
func (f *Fake) Saved() []mapping.Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.saved)
}

// Simulated returns how many calls Simulate made.
func (f *Fake) Simulated() int { f.mu.Lock(); defer f.mu.Unlock(); return f.simulated }
