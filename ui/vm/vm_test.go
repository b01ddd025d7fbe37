package vm_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/demo"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
)

// These tests run the view models over a real demo core: the contract
// with a real demo bridge. fake_test.go covers the cases a real core cannot
// easily produce.

// newDemo runs a real bridge (SQLite file, loopback receiver, sandbox TQM).
func newDemo(t *testing.T) *demo.Demo {
	t.Helper()
	ctx := context.Background()
	c, err := demo.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func waitStatus(t *testing.T, b vm.CallLog, row int64, status calls.Status) calls.Call {
	t.Helper()
	var c calls.Call
	if !clocktest.Poll(context.Background(), 15*time.Second, func() bool {
		var err error
		if c, _, err = b.Call(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		return c.Status == status
	}) {
		t.Fatalf("call %d is %s (%s), want %s", row, c.Status, c.LastError, status)
	}
	return c
}

var _ vm.Backend = (*demo.Demo)(nil)

func TestTableFiltersDetails(t *testing.T) {
	ctx := context.Background()
	c := newDemo(t)
	var rows []int64
	for i := 0; i < 3; i++ {
		r, err := c.Simulate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	for _, r := range rows {
		waitStatus(t, c, r, calls.StatusDelivered)
	}
	// A malformed webhook, through the real receiver.
	resp, err := http.Get(c.Endpoints()[0].URL + "?utm_source=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	table := vm.NewCalls(c, nil, nil)
	first, _, _ := c.Call(ctx, rows[0])
	tests := []struct {
		name   string
		status calls.Status
		period vm.Period
		search string
		want   int
	}{
		{"all", "", vm.PeriodAll, "", 4},
		{"delivered", calls.StatusDelivered, vm.PeriodToday, "", 3},
		{"invalid", calls.StatusInvalid, vm.PeriodWeek, "", 1},
		{"waiting", vm.StatusWaiting, vm.PeriodAll, "", 0},
		{"search caller", "", vm.PeriodAll, first.Caller, 1},
		{"search nothing", "", vm.PeriodAll, "no-such-caller", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table.SetFilter(tt.status, tt.period, tt.search)
			if err := table.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(table.Rows()); got != tt.want {
				t.Fatalf("%d rows, want %d", got, tt.want)
			}
		})
	}

	table.SetFilter("", vm.PeriodAll, "")
	_ = table.Refresh(ctx)
	all := table.Rows()
	if all[0].Status != calls.StatusInvalid || all[0].Tone != vm.ToneBad || all[0].Note == "" {
		t.Errorf("newest row %+v: want the invalid call, red, with its reason", all[0])
	}
	var buf bytes.Buffer
	if err := vm.WriteCSV(&buf, all, nil); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 5 || !strings.Contains(buf.String(), vm.FormatPhone(first.Caller)) {
		t.Errorf("CSV has %d lines:\n%s", lines, buf.String())
	}

	d, err := vm.LoadDetails(ctx, c, rows[0], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Raw, `"method": "GET"`) || !strings.Contains(d.Raw, first.CallID) {
		t.Errorf("raw payload:\n%s", d.Raw)
	}
	if !strings.Contains(d.Request, "id: "+first.CallID) || !strings.Contains(d.Request, "callDirection: inbound") {
		t.Errorf("mapped request:\n%s", d.Request)
	}
	if len(d.Attempts) != 1 || d.Attempts[0].HTTPStatus != 200 || d.Attempts[0].CorrelationID == "" {
		t.Errorf("attempts %+v", d.Attempts)
	}
	if !d.CanResend {
		t.Error("a delivered call can be resent")
	}
	if strings.Contains(d.Raw+d.Request+d.Params, "demo-sandbox-key") {
		t.Error("details show the TQM key")
	}
}

func TestActions(t *testing.T) {
	ctx := context.Background()
	c := newDemo(t)
	row, err := c.Simulate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, row, calls.StatusDelivered)

	// Pause: intake continues, delivery stops.
	if err := c.SetPaused(ctx, true); err != nil {
		t.Fatal(err)
	}
	row2, err := c.Simulate(ctx)
	if err != nil {
		t.Fatalf("intake while paused: %v", err)
	}
	// That a paused worker never sends is app/delivery's to prove
	// (TestKeyRejectedPausesAndKeepsTheCall runs under synctest, where
	// "nothing happened" can be waited for); here the view of it: queued,
	// and the header says so.
	if got, _, _ := c.Call(ctx, row2); got.Status != calls.StatusQueued {
		t.Fatalf("paused, yet the call is %s", got.Status)
	}
	h, err := vm.LoadHeader(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Paused || h.Health != vm.HealthAttention || h.Counts.Waiting != 1 || !h.Demo || h.URL == "" {
		t.Errorf("header while paused: %+v", h)
	}
	if err := c.SetPaused(ctx, false); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, row2, calls.StatusDelivered)

	// Resend a delivered call: back in the queue, delivered again.
	if err := c.Resend(ctx, row); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, row, calls.StatusDelivered)
	_, atts, _ := c.Call(ctx, row)
	if len(atts) != 2 {
		t.Fatalf("after resend %d attempts, want 2", len(atts))
	}
	h, _ = vm.LoadHeader(ctx, c)
	if h.Health != vm.HealthGood || h.Counts.DeliveredToday != 2 {
		t.Errorf("header after: %+v", h)
	}
}

func TestHealth(t *testing.T) {
	tests := []struct {
		h    vm.Header
		want vm.Health
	}{
		{vm.Header{TunnelState: tunnel.Online}, vm.HealthGood},
		{vm.Header{TunnelState: tunnel.Online, Paused: true}, vm.HealthAttention},
		{vm.Header{TunnelState: tunnel.Connecting}, vm.HealthAttention},
		{vm.Header{TunnelState: tunnel.Online, Counts: calls.Counts{Attention: 1}}, vm.HealthAttention},
		{vm.Header{TunnelState: tunnel.Online, Counts: calls.Counts{Failed: 2}}, vm.HealthError},
		{vm.Header{TunnelState: tunnel.Offline}, vm.HealthError},
		{vm.Header{TunnelState: tunnel.Online, Incidents: []calls.Incident{{ID: 1}}}, vm.HealthError},
	}
	for _, tt := range tests {
		if got := vm.HealthOf(tt.h); got != tt.want {
			t.Errorf("vm.HealthOf(%+v) = %v, want %v", tt.h, got, tt.want)
		}
	}
}

func TestNotifierOncePerIncident(t *testing.T) {
	var n vm.Notifier
	if got := n.New([]calls.Incident{{ID: 1}}); len(got) != 0 {
		t.Fatal("incidents open at start must not notify")
	}
	if got := n.New([]calls.Incident{{ID: 1}, {ID: 2}}); len(got) != 1 || got[0].ID != 2 {
		t.Fatalf("got %+v, want incident 2 once", got)
	}
	if got := n.New([]calls.Incident{{ID: 1}, {ID: 2}}); len(got) != 0 {
		t.Fatal("an incident notified twice")
	}
	n.SetMuted(true)
	if got := n.New([]calls.Incident{{ID: 3}}); len(got) != 0 {
		t.Fatal("muted, yet notified")
	}
}
