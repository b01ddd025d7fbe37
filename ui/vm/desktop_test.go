package vm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/mapping"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

func ru(k string) string { return i18n.T(i18n.RU, k, nil) }
func en(k string) string { return i18n.T(i18n.EN, k, nil) }

func TestFormatPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"74951370710", "+7 (495) 137-07-10"},
		{"84951370710", "+7 (495) 137-07-10"},
		{"+7 495 137-07-10", "+7 (495) 137-07-10"},
		{"9161234567", "+7 (916) 123-45-67"},
		{"101", "101"},
		{"sip:user@vpbx.mango-office.ru", "sip:user@vpbx.mango-office.ru"},
		{"4930123456789", "4930123456789"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := vm.FormatPhone(tt.in); got != tt.want {
			t.Errorf("FormatPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatDurationInTheUsersLanguage(t *testing.T) {
	tests := []struct {
		d      time.Duration
		ru, en string
	}{
		{0, "0 с", "0 s"},
		{time.Millisecond, "1 мс", "1 ms"},
		{300 * time.Microsecond, "1 мс", "1 ms"},
		{850 * time.Millisecond, "850 мс", "850 ms"},
		{1200 * time.Millisecond, "1,2 с", "1.2 s"},
		{3 * time.Second, "3 с", "3 s"},
		{42 * time.Second, "42 с", "42 s"},
		{125 * time.Second, "2 мин 5 с", "2 min 5 s"},
		{2 * time.Minute, "2 мин", "2 min"},
	}
	for _, tt := range tests {
		if got := vm.FormatDuration(tt.d, ru); got != tt.ru {
			t.Errorf("ru %v: %q, want %q", tt.d, got, tt.ru)
		}
		if got := vm.FormatDuration(tt.d, en); got != tt.en {
			t.Errorf("en %v: %q, want %q", tt.d, got, tt.en)
		}
	}
}

func TestDurationFromDatesWhenMangoSendsNone(t *testing.T) {
	tests := []struct {
		name string
		call calls.Call
		want string
	}{
		{"Mango's duration wins", calls.Call{Duration: 65, Params: `{"dateStart":"2026-11-25T10:00:00Z","dateEnd":"2026-11-25T10:10:00Z"}`}, "1:05"},
		{"from the dates", calls.Call{Params: `{"dateStart":"2026-11-25T10:00:00Z","dateEnd":"2026-11-25T10:02:07Z"}`}, "2:07"},
		{"dates in Mango's other spelling", calls.Call{Params: `{"date_start":"25.11.2026 10:00:00","date_end":"25.11.2026 11:00:01"}`}, "1:00:01"},
		{"end before start", calls.Call{Params: `{"dateStart":"2026-11-25T10:00:00Z","dateEnd":"2026-11-25T09:00:00Z"}`}, "0:00"},
		{"no dates", calls.Call{Params: `{"callId":"x"}`}, "0:00"},
	}
	for _, tt := range tests {
		if got := vm.RowOf(tt.call, nil).Duration; got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The status filter offers exactly the words of the table's status column.
func TestFilterWordsAreTheTableWords(t *testing.T) {
	var table []string
	for _, s := range append(slices.Clone(calls.Statuses), vm.StatusSkippedByRule) {
		table = append(table, ru(vm.StatusKey(s)))
	}
	for _, s := range vm.FilterStatuses[1:] {
		if w := ru(vm.StatusKey(s)); !slices.Contains(table, w) {
			t.Errorf("filter offers %q, which the table never shows", w)
		}
	}
	if len(vm.FilterStatuses)-1 != len(table) {
		t.Errorf("filter has %d statuses, the table %d", len(vm.FilterStatuses)-1, len(table))
	}
	if w := ru(vm.StatusKey(calls.StatusSkipped)); w == "Пропущен" || !strings.Contains(w, "отправ") {
		t.Errorf("skipped reads %q: it must say the call was deliberately not sent", w)
	}
	if ru(vm.StatusKey(calls.StatusQueued)) != "В очереди" {
		t.Errorf("queued reads %q", ru(vm.StatusKey(calls.StatusQueued)))
	}
}

func TestShowMorePagesThroughOlderCalls(t *testing.T) {
	f := vmtest.New(t.TempDir(), "")
	base := time.Now().Add(-time.Hour)
	total := vm.PageSize*2 + 17
	for i := 0; i < total; i++ {
		f.AddCall(calls.Call{CallID: fmt.Sprint(i), Received: base.Add(time.Duration(i) * time.Second), Status: calls.StatusDelivered})
	}
	c := vm.NewCalls(f, nil, nil)
	ctx := context.Background()
	for page, want := range []int{vm.PageSize, vm.PageSize * 2, total} {
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		rows := c.Rows()
		if len(rows) != want || c.HasMore() != (want < total) {
			t.Fatalf("page %d: %d rows (more %v), want %d", page+1, len(rows), c.HasMore(), want)
		}
		if rows[0].ID != int64(total) || rows[len(rows)-1].ID != int64(total-want+1) {
			t.Fatalf("page %d: newest %d, oldest %d: not newest first", page+1, rows[0].ID, rows[len(rows)-1].ID)
		}
		c.ShowMore()
	}
	c.SetFilter("", vm.PeriodAll, "")
	_ = c.Refresh(ctx)
	if len(c.Rows()) != vm.PageSize {
		t.Errorf("a new filter starts again at the first page: %d rows", len(c.Rows()))
	}
}

func TestTheTableCountsTheTriesTheDetailsList(t *testing.T) {
	f := vmtest.New(t.TempDir(), "")
	// Resent once: the call's own counter restarted at 1, three tries are stored.
	row := f.AddCall(calls.Call{Status: calls.StatusDelivered, Attempts: 1, Received: time.Now()},
		calls.Attempt{Outcome: calls.OutcomeRetry}, calls.Attempt{Outcome: calls.OutcomeDelivered}, calls.Attempt{Outcome: calls.OutcomeDelivered})
	c := vm.NewCalls(f, nil, nil)
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, err := vm.LoadDetails(context.Background(), f, row, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Rows()[0].Attempts; got != len(d.Attempts) || got != 3 || d.Row.Attempts != 3 {
		t.Fatalf("table says %d tries, details list %d (head %d)", got, len(d.Attempts), d.Row.Attempts)
	}
}

func TestSelectionFollowsTheCall(t *testing.T) {
	rows := []vm.Row{{ID: 9}, {ID: 8}, {ID: 7}}
	if vm.IndexOf(rows, 8) != 1 || vm.IndexOf(rows, 1) != -1 {
		t.Fatal("IndexOf")
	}
	rows = append([]vm.Row{{ID: 11}, {ID: 10}}, rows...)
	if vm.IndexOf(rows, 8) != 3 {
		t.Fatal("after two new calls the selected call is the fourth row")
	}
}

func TestDetailsForTheUser(t *testing.T) {
	f := vmtest.New(t.TempDir(), "")
	m := mapping.Default()
	m.TimeZone = "Asia/Yekaterinburg"
	_ = f.SetMapping(context.Background(), m)
	row := f.AddCall(calls.Call{CallID: "C1", Status: calls.StatusDelivered, Caller: "74951370710",
		Params: `{"callId":"C1","lastGroup":"Отдел%20продаж","token":"s3cret","dateStart":"2026-11-25T10:00:00Z","n":5}`})
	d, err := vm.LoadDetails(context.Background(), f, row, func(s string) string { return strings.ReplaceAll(s, "s3cret", "***") }, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []vm.KV{{"callId", "C1"}, {"dateStart", "2026-11-25T10:00:00Z"}, {"lastGroup", "Отдел продаж"}, {"n", "5"}, {"token", "***"}}
	if !slices.Equal(d.Fields, want) {
		t.Errorf("Mango data table %v, want %v", d.Fields, want)
	}
	if d.RequestZone != "Asia/Yekaterinburg" {
		t.Errorf("request zone %q", d.RequestZone)
	}
	if !d.ConfirmResend || d.Row.Caller != "+7 (495) 137-07-10" {
		t.Errorf("delivered call: confirm %v, caller %q", d.ConfirmResend, d.Row.Caller)
	}
	row = f.AddCall(calls.Call{Status: calls.StatusFailed})
	if d, _ := vm.LoadDetails(context.Background(), f, row, nil, nil); d.ConfirmResend || !d.CanResend {
		t.Error("a failed call is resent without asking")
	}
}

func TestChart(t *testing.T) {
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local)
	var days []bridge.DayCount
	for i := 0; i < 20; i++ {
		days = append(days, bridge.DayCount{Day: day.AddDate(0, 0, i-19), Total: i, Delivered: i - i/3, Failed: i / 3})
	}
	f := vmtest.New(t.TempDir(), "")
	f.SetDaily(days)
	c, err := vm.LoadChart(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Days) != vm.ChartDays || c.Max != 19 || !c.Days[len(c.Days)-1].Today || c.Days[len(c.Days)-1].Label != "25.11" {
		t.Fatalf("chart %+v", c)
	}
	if y := c.Yesterday(); y.Label != "24.11" || y.Total != 18 || y.Failed != 6 {
		t.Fatalf("yesterday %+v", y)
	}
	if vm.ChartOf(nil).Max != 1 {
		t.Error("an empty chart must still scale (Max ≥ 1)")
	}
	f.Break(vmtest.ErrBroken)
	if _, err := vm.LoadChart(context.Background(), f); !errors.Is(err, vmtest.ErrBroken) {
		t.Errorf("broken backend: %v", err)
	}
}

func TestStartHidden(t *testing.T) {
	for _, tt := range []struct{ min, tray, setUp, want bool }{
		{true, true, true, true},
		{true, false, true, false}, // no tray host: nothing would bring the window back
		{true, true, false, false}, // first run: the wizard must show
		{false, true, true, false},
	} {
		if got := vm.StartHidden(tt.min, tt.tray, tt.setUp); got != tt.want {
			t.Errorf("StartHidden(%v, %v, %v) = %v", tt.min, tt.tray, tt.setUp, got)
		}
	}
}

func TestPreviewSpeaksRussian(t *testing.T) {
	tr := func(k string, d map[string]any) string { return i18n.T(i18n.RU, k, d) }
	r := mapping.Result{Fields: []mapping.Field{{Name: "id", Value: "C1"}, {Name: "startDate", Value: "2026-11-25T10:00:00"},
		{Name: "endDate", Value: "2026-11-25T09:00:00"}, {Name: "callDirection", Value: "sideways"}},
		Notes: []string{`call id "` + strings.Repeat("x", 40) + `" is longer than 32 characters; sent as "h123"`}}
	verr := mapping.Validate(r, mapping.ValidateOptions{Now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), FileLinkRequired: true})
	if verr == nil {
		t.Fatal("Validate found nothing")
	}
	text := vm.PreviewText(r, verr, tr)
	for _, english := range []string{"is missing", "is before", "is not one of", "longer than", "cannot be sent"} {
		if strings.Contains(text, english) {
			t.Errorf("preview has English %q:\n%s", english, text)
		}
	}
	for _, want := range []string{"(fileLink)", "(startDate)", "sideways", "h123"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	ok := vm.PreviewText(mapping.Result{Fields: []mapping.Field{{Name: "id", Value: "C1"}}}, nil, tr)
	if !strings.Contains(ok, tr("ui.preview.ok", nil)) {
		t.Errorf("a valid preview does not say so:\n%s", ok)
	}
}

// One signed request against Mango (here its fake): a right key says how
// many employees; a wrong one locks the check for Mango's two minutes and
// sends nothing more until then.
func TestVPBXCheckOnceAndRespectTheLockout(t *testing.T) {
	const key, salt = "abcdefghijklmnopqrstuvwxyz1", "0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	checker := func(t *testing.T) (func(ctx context.Context, k, s string) (int, error), *vpbxfake.Server) {
		fake := vpbxfake.New(key, salt, vpbxfake.WithUsers(vpbxfake.User{UserID: 1, Name: "Иванов"}))
		t.Cleanup(fake.Close)
		b, err := bridge.Open(ctx, bridge.Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close(context.Background()) })
		cfg := b.Config()
		cfg.VPBXURL = fake.URL()
		if err := b.SetConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		return b.VPBXChecker(), fake
	}
	check, _ := checker(t)
	now := time.Now()
	clk := clocktest.NewManual(now)
	sent := 0
	v := &vm.VPBXCheck{Clock: clk, Check: func(ctx context.Context, k, s string) (int, error) {
		sent++
		return check(ctx, k, s)
	}}
	if r := v.Run(ctx, key, salt); !r.OK || r.Data["N"] != 1 || r.Key != "ui.wizard.vpbx.ok" {
		t.Fatalf("right key: %+v", r)
	}
	r := v.Run(ctx, "wrongwrongwrongwrongwrong11", salt)
	if r.OK || !r.Wrong || r.Key != "ui.wizard.vpbx.wrong_key" || r.Until.Before(now.Add(2*time.Minute)) {
		t.Fatalf("wrong key: %+v", r)
	}
	if r := v.Run(ctx, key, salt); r.Key != "ui.wizard.vpbx.wait" || sent != 2 {
		t.Fatalf("a second check inside the lockout went out (%d requests): %+v", sent, r)
	}
	// Even past the view model's guard, the shared client sends nothing
	// inside Mango's window.
	if _, err := check(ctx, key, salt); err == nil {
		t.Fatal("the checker sent a request inside the lockout window")
	}
	clk.Advance(3 * time.Minute)
	if !v.Wait().IsZero() {
		t.Fatal("still waiting after the lockout")
	}

	check2, _ := checker(t)
	v2 := &vm.VPBXCheck{Check: check2}
	if r := v2.Run(ctx, key, "ffffffffffffffffffffffffffffffff"); r.Key != "ui.wizard.vpbx.wrong_sign" {
		t.Fatalf("wrong signing key: %+v", r)
	}
	unreachable := &vm.VPBXCheck{Check: func(context.Context, string, string) (int, error) {
		return 0, errors.New("dial tcp: connection refused")
	}}
	if r := unreachable.Run(ctx, key, salt); r.OK || r.Wrong || r.Key != "ui.wizard.vpbx.unreachable" || !unreachable.Wait().IsZero() {
		t.Fatalf("unreachable: %+v", r)
	}
}
