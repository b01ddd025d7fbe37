package vm_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

var _ vm.Backend = (*vmtest.Fake)(nil)

func TestFilterFollowsTheChoices(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 30, 0, 0, time.Local)
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local)
	tests := []struct {
		name     string
		status   calls.Status
		period   vm.Period
		search   string
		statuses []calls.Status
		since    time.Time
		query    string
	}{
		{"everything", "", vm.PeriodAll, "", nil, time.Time{}, ""},
		{"waiting means queued and retrying", vm.StatusWaiting, vm.PeriodAll, "", []calls.Status{calls.StatusQueued, calls.StatusRetrying}, time.Time{}, ""},
		{"one status", calls.StatusFailed, vm.PeriodAll, "", []calls.Status{calls.StatusFailed}, time.Time{}, ""},
		{"today starts at midnight", "", vm.PeriodToday, "", nil, today, ""},
		{"a week is today and six days before", "", vm.PeriodWeek, "", nil, today.AddDate(0, 0, -6), ""},
		{"search is trimmed", "", vm.PeriodAll, "  7495 ", nil, time.Time{}, "7495"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := vm.NewCalls(vmtest.New(t.TempDir(), ""), clocktest.NewManual(now), nil)
			c.SetFilter(tt.status, tt.period, tt.search)
			f := c.Filter()
			if !slices.Equal(f.Statuses, tt.statuses) || !f.Since.Equal(tt.since) || f.Search != tt.query || f.Limit == 0 {
				t.Fatalf("filter %+v; want statuses %v since %v search %q", f, tt.statuses, tt.since, tt.query)
			}
		})
	}
}

func TestTableRows(t *testing.T) {
	recv := time.Date(2026, 11, 25, 9, 5, 7, 0, time.Local)
	tests := []struct {
		name string
		call calls.Call
		want vm.Row
	}{
		{"delivered: no note even with an old error",
			calls.Call{ID: 1, Received: recv, Caller: "74951234567", Operator: "Продажи", Duration: 65, Status: calls.StatusDelivered, Attempts: 2, LastError: "timeout"},
			vm.Row{ID: 1, Time: "25.11 09:05:07", Caller: "+7 (495) 123-45-67", Operator: "Продажи", Duration: "1:05", Status: calls.StatusDelivered, Tone: vm.ToneGood, Attempts: 2}},
		{"failed: the last error is the note",
			calls.Call{ID: 2, Received: recv, Duration: 3600, Status: calls.StatusFailed, LastError: "HTTP 503"},
			vm.Row{ID: 2, Time: "25.11 09:05:07", Duration: "1:00:00", Status: calls.StatusFailed, Tone: vm.ToneBad, Note: "HTTP 503"}},
		{"attention: the reason wins",
			calls.Call{ID: 3, Received: recv, Status: calls.StatusAttention, Reason: "нет записи", LastError: "x"},
			vm.Row{ID: 3, Time: "25.11 09:05:07", Duration: "0:00", Status: calls.StatusAttention, Tone: vm.ToneWarn, Note: "нет записи"}},
		{"retrying is busy", calls.Call{ID: 4, Received: recv, Status: calls.StatusRetrying},
			vm.Row{ID: 4, Time: "25.11 09:05:07", Duration: "0:00", Status: calls.StatusRetrying, Tone: vm.ToneBusy}},
		{"duplicate is neutral", calls.Call{ID: 5, Received: recv, Status: calls.StatusDuplicate},
			vm.Row{ID: 5, Time: "25.11 09:05:07", Duration: "0:00", Status: calls.StatusDuplicate, Tone: vm.ToneNeutral}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vm.RowOf(tt.call, nil); got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestCallsRefreshAndSearch(t *testing.T) {
	f := vmtest.New(t.TempDir(), "")
	now := time.Now()
	f.AddCall(calls.Call{Caller: "74950000001", Operator: "Поддержка", Status: calls.StatusDelivered, Received: now.AddDate(0, 0, -10)})
	f.AddCall(calls.Call{Caller: "74950000002", Operator: "Продажи", Status: calls.StatusFailed, Received: now})
	f.AddCall(calls.Call{Caller: "74950000003", Operator: "Продажи", Status: calls.StatusRetrying, Received: now, CallID: "ABC"})
	c := vm.NewCalls(f, nil, nil)
	tests := []struct {
		status  calls.Status
		period  vm.Period
		search  string
		callers []string
	}{
		{"", vm.PeriodAll, "", []string{"74950000003", "74950000002", "74950000001"}},
		{"", vm.PeriodWeek, "", []string{"74950000003", "74950000002"}},
		{vm.StatusWaiting, vm.PeriodAll, "", []string{"74950000003"}},
		{"", vm.PeriodAll, "продажи", []string{"74950000003", "74950000002"}},
		{"", vm.PeriodAll, "abc", []string{"74950000003"}},
		{calls.StatusDelivered, vm.PeriodToday, "", nil},
	}
	for _, tt := range tests {
		c.SetFilter(tt.status, tt.period, tt.search)
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, r := range c.Rows() {
			got = append(got, r.Caller)
		}
		for _, n := range tt.callers {
			want = append(want, vm.FormatPhone(n))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q/%v/%q: %v, want %v", tt.status, tt.period, tt.search, got, tt.callers)
		}
	}
	f.Break(vmtest.ErrBroken)
	if err := c.Refresh(context.Background()); !errors.Is(err, vmtest.ErrBroken) {
		t.Fatalf("Refresh on a broken backend: %v", err)
	}
	if len(c.Rows()) != 0 {
		t.Error("a failed refresh must keep the last rows, which were empty")
	}
}

func TestDetails(t *testing.T) {
	const secret = "s3cr3t-tqm-key"
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "***") }
	started := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)
	tests := []struct {
		status    calls.Status
		canResend bool
	}{
		{calls.StatusDelivered, true},
		{calls.StatusFailed, true},
		{calls.StatusAttention, true},
		{calls.StatusQueued, true},
		{calls.StatusSending, false},
		{calls.StatusDuplicate, false},
		{calls.StatusInvalid, true}, // parsed and mapped again on the next try (issue 12)
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			f := vmtest.New(t.TempDir(), "")
			row := f.AddCall(calls.Call{CallID: "C1", Status: tt.status,
				Raw:     `{"method":"GET","query":{"callId":"C1","token":"` + secret + `"}}`,
				Request: `{"fields":[{"name":"id","value":"C1"},{"name":"callDirection","value":"inbound"}],"notes":["id shortened"]}`},
				calls.Attempt{Started: started, HTTPStatus: 500, Outcome: calls.OutcomeRetry, Error: "HTTP 500", Duration: 120 * time.Millisecond},
				calls.Attempt{Started: started.Add(time.Minute), HTTPStatus: 200, Outcome: calls.OutcomeDelivered,
					Response: `{"id":"T1","echo":"` + secret + `"}`, CorrelationID: "corr-1"})
			d, err := vm.LoadDetails(context.Background(), f, row, redact, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d.CanResend != tt.canResend {
				t.Errorf("CanResend %v, want %v", d.CanResend, tt.canResend)
			}
			if !strings.Contains(d.Raw, "\n  \"method\": \"GET\"") {
				t.Errorf("raw payload is not pretty-printed:\n%s", d.Raw)
			}
			if d.Request != "id: C1\ncallDirection: inbound\n# id shortened" {
				t.Errorf("mapped request:\n%s", d.Request)
			}
			if len(d.Attempts) != 2 || d.Attempts[0].HTTPStatus != 500 || d.Attempts[1].CorrelationID != "corr-1" ||
				d.Attempts[0].Time != "25.11 10:00:00" || d.Attempts[0].Duration != 120*time.Millisecond {
				t.Errorf("timeline %+v", d.Attempts)
			}
			all := d.Raw + d.Request + d.Attempts[1].Response
			if strings.Contains(all, secret) || !strings.Contains(all, "***") {
				t.Errorf("a secret is shown:\n%s", all)
			}
		})
	}
	f := vmtest.New(t.TempDir(), "")
	if _, err := vm.LoadDetails(context.Background(), f, 42, nil, nil); !errors.Is(err, calls.ErrNotFound) {
		t.Fatalf("unknown row: %v", err)
	}
}

func TestHeaderAndTray(t *testing.T) {
	tests := []struct {
		name     string
		status   tunnel.Status
		url      string
		paused   bool
		counts   calls.Counts
		health   vm.Health
		pauseKey string
	}{
		{"all well", tunnel.Status{State: tunnel.Online}, "https://x.ngrok-free.dev/h/abc", false, calls.Counts{DeliveredToday: 3}, vm.HealthGood, "ui.action.pause"},
		{"paused", tunnel.Status{State: tunnel.Online}, "https://x.ngrok-free.dev/h/abc", true, calls.Counts{}, vm.HealthAttention, "ui.action.resume"},
		{"offline", tunnel.Status{State: tunnel.Offline, MessageKey: "tunnel.err.auth"}, "", false, calls.Counts{}, vm.HealthError, "ui.action.pause"},
		{"failed calls", tunnel.Status{State: tunnel.Online}, "https://x/h", false, calls.Counts{Failed: 1}, vm.HealthError, "ui.action.pause"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := vmtest.New(t.TempDir(), "")
			if tt.url != "" {
				f.SetTunnel(tt.status, coreEndpoint(tt.url))
			} else {
				f.SetTunnel(tt.status)
			}
			f.SetCounts(tt.counts)
			_ = f.SetPaused(context.Background(), tt.paused)
			h, err := vm.LoadHeader(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if h.URL != tt.url || h.Health != tt.health || h.TunnelKey != tt.status.MessageKey || h.Paused != tt.paused {
				t.Fatalf("header %+v", h)
			}
			tr := vm.TrayOf(h)
			if tr.Health != tt.health || tr.Tooltip != vm.HealthKey(tt.health) || tr.PauseKey != tt.pauseKey || tr.CanCopy != (tt.url != "") {
				t.Fatalf("tray %+v", tr)
			}
		})
	}
	f := vmtest.New(t.TempDir(), "")
	f.Break(vmtest.ErrBroken)
	if _, err := vm.LoadHeader(context.Background(), f); !errors.Is(err, vmtest.ErrBroken) {
		t.Fatalf("broken backend: %v", err)
	}
}

func TestActionsOnTheBackend(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := vmtest.New(dir, "")
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.Local)
	var opened []*url.URL
	a := vm.Actions{B: f, Clock: clocktest.NewManual(now), Open: func(u *url.URL) error { opened = append(opened, u); return nil }}

	if err := a.Resend(ctx, 7); err != nil || !slices.Equal(f.Resent(), []int64{7}) {
		t.Fatalf("Resend: %v, backend got %v", err, f.Resent())
	}
	if a.DefaultSince() != "24.11.2026 12:00" {
		t.Errorf("default since %q", a.DefaultSince())
	}
	since := []struct {
		text string
		ok   bool
	}{{"24.11.2026 09:30", true}, {" 01.01.2026 00:00 ", true}, {"2026-11-24", true}, {"26.11.2026 09:00", false}, {"", false}}
	for _, s := range since {
		_, err := a.ResendFailedSince(ctx, s.text)
		if s.ok != (err == nil) || (!s.ok && !errors.Is(err, vm.ErrBadDate)) {
			t.Errorf("ResendFailedSince(%q): %v", s.text, err)
		}
	}
	if got := f.ResentSince(); len(got) != 3 || !got[0].Equal(time.Date(2026, 11, 24, 9, 30, 0, 0, time.Local)) {
		t.Errorf("backend got since %v", got)
	}

	for _, want := range []bool{true, false} {
		if p, err := a.TogglePause(ctx); err != nil || p != want || f.Paused() != want {
			t.Fatalf("TogglePause: %v %v, backend paused %v, want %v", p, err, f.Paused(), want)
		}
	}

	if err := a.OpenDataFolder(); err != nil || len(opened) != 1 || opened[0].Scheme != "file" || opened[0].Path != filepath.ToSlash(dir) {
		t.Fatalf("OpenDataFolder: %v %v", err, opened)
	}

	rows := []vm.Row{{ID: 1, Time: "25.11 09:00:00", Caller: "74951234567", Operator: "Продажи; склад", Duration: "1:05", Status: calls.StatusDelivered, Attempts: 1}}
	tr := func(k string) string {
		return map[string]string{"ui.col.caller": "Звонивший", vm.StatusKey(calls.StatusDelivered): "Доставлен"}[k]
	}
	path, err := a.ExportCSV(rows, tr)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != dir || filepath.Base(path) != "calls-2026-11-25-120000.csv" {
		t.Errorf("exported to %s", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(text, "\ufeff")), "\n")
	if !strings.HasPrefix(text, "\ufeff") || len(lines) != 2 || !strings.Contains(lines[0], "Звонивший") ||
		!strings.Contains(lines[1], "74951234567") || !strings.Contains(lines[1], "Доставлен") || !strings.Contains(lines[1], `"Продажи; склад"`) {
		t.Errorf("CSV:\n%s", text)
	}
	if _, err := a.ExportCSV(rows, tr); err == nil {
		t.Error("a second export in the same second must not overwrite the first")
	}

	f.Break(vmtest.ErrBroken)
	if err := a.Resend(ctx, 1); !errors.Is(err, vmtest.ErrBroken) {
		t.Errorf("Resend on a broken backend: %v", err)
	}
	if p, err := a.TogglePause(ctx); !errors.Is(err, vmtest.ErrBroken) || p != f.Paused() {
		t.Errorf("TogglePause on a broken backend: %v %v", p, err)
	}
	if err := (vm.Actions{B: f}).OpenDataFolder(); err == nil {
		t.Error("OpenDataFolder without an opener must fail")
	}
}

func coreEndpoint(u string) bridge.Endpoint { return bridge.Endpoint{Name: "calltracking", URL: u} }
