package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/secrets"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

func TestSelectionStaysOnTheCallWhenNewCallsArrive(t *testing.T) {
	m, f := newFakeWindow(t)
	c, a := deliveredCall("74951112233")
	row := f.AddCall(c, a...)
	m.refresh()
	m.table.Select(widget.TableCellID{Row: 0, Col: 1})
	m.refresh()
	f.AddCall(calls.Call{Caller: "74950000001", Status: calls.StatusQueued, Received: time.Now()})
	f.AddCall(calls.Call{Caller: "74950000002", Status: calls.StatusQueued, Received: time.Now()})
	m.refresh()
	if m.selected != row || m.details.Row.ID != row {
		t.Fatalf("selected %d, details of %d; want call %d", m.selected, m.details.Row.ID, row)
	}
	if got := cellText(m, 2, 1); got != "+7 (495) 111-22-33" {
		t.Fatalf("the call moved to row 3, which shows %q", got)
	}
	// The table's highlight moved with it: selecting row 3 again is a no-op.
	before := m.selected
	m.table.Select(widget.TableCellID{Row: 2, Col: 1})
	if m.selected != before {
		t.Fatal("the highlight did not follow the call")
	}
}

func TestShowMoreReachesOlderCalls(t *testing.T) {
	m, f := newFakeWindow(t)
	base := time.Now().Add(-time.Hour)
	for i := 0; i < vm.PageSize+5; i++ {
		f.AddCall(calls.Call{CallID: fmt.Sprint(i), Received: base.Add(time.Duration(i) * time.Second), Status: calls.StatusDelivered})
	}
	m.refresh()
	if n, _ := m.tableSize(); n != vm.PageSize || !m.moreBtn.Visible() {
		t.Fatalf("%d rows, «Показать ещё» visible %v", n, m.moreBtn.Visible())
	}
	if !strings.Contains(m.moreBtn.Text, "Показать ещё") {
		t.Errorf("button %q", m.moreBtn.Text)
	}
	test.Tap(m.moreBtn)
	m.refresh()
	if n, _ := m.tableSize(); n != vm.PageSize+5 || m.moreBtn.Visible() {
		t.Fatalf("after «Показать ещё»: %d rows, button visible %v", n, m.moreBtn.Visible())
	}
}

func TestDetailsReadForTheUser(t *testing.T) {
	m, f := newFakeWindow(t)
	now := time.Now()
	row := f.AddCall(calls.Call{CallID: "CT-9", Caller: "74951370710", Status: calls.StatusFailed, Received: now,
		Raw:    `{"method":"GET","query":"callId=CT-9&lastGroup=%D0%9F%D1%80%D0%BE%D0%B4%D0%B0%D0%B6%D0%B8"}`,
		Params: `{"callId":"CT-9","lastGroup":"Продажи","dateStart":"2026-11-25T10:00:00Z","dateEnd":"2026-11-25T10:01:12Z"}`},
		calls.Attempt{Started: now, HTTPStatus: 503, Outcome: calls.OutcomeRetry, Duration: 1200 * time.Millisecond},
		calls.Attempt{Started: now, HTTPStatus: 503, Outcome: calls.OutcomeRetry})
	m.refresh()
	if got := cellText(m, 0, 3); got != "1:12" {
		t.Errorf("duration from the dates: %q", got)
	}
	if got := cellText(m, 0, 5); got != "2" {
		t.Errorf("the table counts %s tries", got)
	}
	m.table.Select(widget.TableCellID{Row: 0, Col: 0})
	m.refresh()
	if m.selected != row {
		t.Fatal("not selected")
	}
	for _, want := range []string{"Попыток: 2", "1,2 с", "0 с", m.tr.T("desk.outcome.retry")} {
		if !strings.Contains(m.tries.Text, want) {
			t.Errorf("tries lack %q:\n%s", want, m.tries.Text)
		}
	}
	if !strings.Contains(m.requestZone.Text, "Europe/Moscow") {
		t.Errorf("request tab: %q", m.requestZone.Text)
	}
	var names, values []string
	for _, it := range m.fields.Items {
		names = append(names, it.Text)
		values = append(values, it.Widget.(*widget.Label).Text)
	}
	if !slices.Equal(names, []string{"callId", "dateEnd", "dateStart", "lastGroup"}) || values[3] != "Продажи" {
		t.Fatalf("«Данные Mango»: %v = %v", names, values)
	}
	if m.rawScroll.Visible() {
		t.Fatal("the raw text shows before it is asked for")
	}
	test.Tap(m.rawToggle)
	if !m.rawScroll.Visible() || m.fieldsScroll.Visible() || !strings.Contains(m.raw.Text, `"method": "GET"`) {
		t.Fatal("one click does not show the raw text")
	}
	test.Tap(m.rawToggle)
	if m.rawScroll.Visible() {
		t.Fatal("the table does not come back")
	}
	// A failed call is resent without a question.
	test.Tap(m.resendBtn)
	m.pending.Wait()
	if m.confirm != nil || !slices.Equal(f.Resent(), []int64{row}) {
		t.Fatalf("failed call: confirm %v, resent %v", m.confirm != nil, f.Resent())
	}
}

func TestChartShowsTheLastTwoWeeks(t *testing.T) {
	m, f := newFakeWindow(t)
	day := time.Now()
	var days []bridge.DayCount
	for i := 0; i < vm.ChartDays; i++ {
		days = append(days, bridge.DayCount{Day: day.AddDate(0, 0, i-vm.ChartDays+1), Total: 10, Delivered: 7, Failed: 2})
	}
	f.SetDaily(days)
	m.refresh()
	if len(m.chart.data.Days) != vm.ChartDays || !strings.Contains(m.chart.caption.Text, "доставлено 7") {
		t.Fatalf("chart: %d days, caption %q", len(m.chart.data.Days), m.chart.caption.Text)
	}
	r := test.WidgetRenderer(m.chart).(*chartRenderer)
	if len(r.bars) != vm.ChartDays {
		t.Fatalf("%d bars drawn", len(r.bars))
	}
	m.chart.Resize(m.chart.MinSize())
	r.Layout(m.chart.MinSize())
	d, fl, o := r.bars[0][0].Size().Height, r.bars[0][1].Size().Height, r.bars[0][2].Size().Height
	if d <= fl || fl <= o || o <= 0 {
		t.Errorf("bar heights delivered %v, failed %v, other %v: want 7:2:1", d, fl, o)
	}
}

func TestStatusWordsAreTheSameInFilterAndTable(t *testing.T) {
	m, f := newFakeWindow(t)
	for _, s := range calls.Statuses {
		f.AddCall(calls.Call{Status: s, Received: time.Now()})
	}
	f.AddCall(calls.Call{Status: calls.StatusSkipped, ReasonCoded: calls.NewReason(calls.CodeRuleMissed), Received: time.Now()})
	m.refresh()
	var table []string
	for i := range len(calls.Statuses) + 1 {
		table = append(table, cellText(m, i, 4))
	}
	for _, opt := range m.statusSel.Options[1:] {
		if !slices.Contains(table, opt) {
			t.Errorf("the filter offers %q, the table never shows it (%v)", opt, table)
		}
	}
	if !slices.Contains(table, "Не отправлялся") || slices.Contains(table, "Пропущен") {
		t.Errorf("table words %v", table)
	}
}

func TestStartMinimisedIsRemembered(t *testing.T) {
	u := newTestUI(t, nil)
	if u.settings.StartMinimized() {
		t.Fatal("minimised by default")
	}
	u.settings.SetStartMinimized(true)
	if !NewSettings(u.app.Preferences()).StartMinimized() {
		t.Fatal("the choice is not kept")
	}
	// The test app has no tray host: the window would show anyway.
	if vm.StartHidden(u.settings.StartMinimized(), u.trayAvailable(), true) {
		t.Fatal("hidden without a tray icon to bring it back")
	}
}

func TestDemoSaysItIsTheDemo(t *testing.T) {
	f := vmtest.New(t.TempDir(), "http://127.0.0.1:5555/mango/x/calltracking")
	f.SetDemo(true)
	m := newWindowFor(t, f)
	if !hasText(m.w.Content(), m.tr.T("ui.url.label_demo")) || !hasText(m.w.Content(), "Mango до него не достучится") {
		t.Fatal("the address line does not say it is the demo's local address")
	}
}

func TestWizardIntroAndLanguage(t *testing.T) {
	u := newTestUI(t, nil)
	b, err := bridge.Open(context.Background(), bridge.Options{DataDir: t.TempDir(), Secrets: u.keychain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	u.bridge = b
	w := test.NewTempWindow(t, widget.NewLabel(""))
	z := newWizard(u, w, true, func() {})
	z.pending.Wait()
	u.flush()
	for _, want := range []string{"ngrok", "ngrok-free.dev", "TQM", "администратора", "15 минут"} {
		if !hasText(w.Content(), want) {
			t.Errorf("the intro does not mention %q", want)
		}
	}
	if !slices.Equal(z.lang.Options, []string{"Русский", "English"}) {
		t.Fatalf("language choices %v", z.lang.Options)
	}
	z.lang.SetSelectedIndex(1)
	if u.tr.Lang != "en" || u.settings.Language() != "en" || z.start.Text != "Start" {
		t.Fatalf("English chosen: lang %q, saved %q, button %q", u.tr.Lang, u.settings.Language(), z.start.Text)
	}
}

func TestWizardPlaceholdersSkipAndNotes(t *testing.T) {
	z, mem, done := newTestWizard(t)
	if got := z.entries[0].PlaceHolder; got != z.u.tr.T("ui.wizard.placeholder_new") {
		t.Fatalf("fresh install placeholder %q", got)
	}
	if !hasText(z.w.Content(), "первой отправке") {
		t.Error("the TQM step does not say the first import checks the key")
	}
	if z.skip != nil {
		t.Fatal("a required step can be skipped")
	}
	_ = mem.Set(t.Context(), secrets.MangoVPBXKey, "abcdefghijklmnopqrstuvwxyz1")
	z2, _, _ := newTestWizardOn(t, mem)
	z2.step("tqm-key-1234567890")
	if got := z2.entries[0].PlaceHolder; got != z2.u.tr.T("ui.wizard.placeholder_secret") {
		t.Fatalf("a stored key's placeholder %q", got)
	}
	z.step("tqm-key-1234567890")
	if z.i != 1 || z.skip == nil || !hasText(z.w.Content(), "Если пропустить") {
		t.Fatalf("step %d: the optional VPBX step has no «Пропустить» with what is lost", z.i)
	}
	test.Tap(z.skip)
	z.roadNext(t) // the road page: ngrok, the default
	z.step("2abcDEFghiJKLmnoPQRstuVWxyz_0123456789")
	z.step("demo-name.ngrok-free.dev") // the last step: no calltracking token is asked for
	if *done != 1 || mem.get(secrets.MangoVPBXSalt) != "" {
		t.Fatalf("skipping: done %d", *done)
	}
}

func TestWizardChecksTheVPBXKeyOnce(t *testing.T) {
	const key, salt = "abcdefghijklmnopqrstuvwxyz1", "0123456789abcdef0123456789abcdef"
	fake := vpbxfake.New(key, salt, vpbxfake.WithUsers(vpbxfake.User{UserID: 1, Name: "Иванов"}, vpbxfake.User{UserID: 2, Name: "Петров"}))
	t.Cleanup(fake.Close)
	z, _, _ := newTestWizard(t)
	cfg := z.u.bridge.Config()
	cfg.VPBXURL = fake.URL()
	if err := z.u.bridge.SetConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	z.vpbx = &vm.VPBXCheck{Check: z.u.bridge.VPBXChecker()}
	z.show(1)
	z.entries[0].SetText(key)
	z.entries[1].SetText(salt)
	test.Tap(z.checkBtn)
	z.pending.Wait()
	z.u.flush()
	if !strings.Contains(z.status.Text, "Сотрудников в ВАТС: 2") {
		t.Fatalf("check: %q", z.status.Text)
	}
	z.entries[0].SetText("wrongwrongwrongwrongwrong11")
	test.Tap(z.checkBtn)
	z.pending.Wait()
	z.u.flush()
	if !strings.Contains(z.status.Text, "неверный уникальный код") || !z.checkBtn.Disabled() {
		t.Fatalf("wrong code: %q, button disabled %v", z.status.Text, z.checkBtn.Disabled())
	}
	z.show(1) // coming back to the page: still locked
	if !z.checkBtn.Disabled() || !strings.Contains(z.status.Text, "после") {
		t.Fatalf("lockout forgotten: %q", z.status.Text)
	}
}

func TestWizardLastPageShowsTheTunnelReason(t *testing.T) {
	f := vmtest.New(t.TempDir(), "")
	u := newTestUI(t, f)
	b, err := bridge.Open(context.Background(), bridge.Options{DataDir: t.TempDir(), Secrets: u.keychain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	u.bridge = b
	m := newMainWindow(u, f)
	u.main = m
	t.Cleanup(m.stop)
	w := test.NewWindow(widget.NewLabel("")) // finish closes it
	z := newWizard(u, w, true, func() {})
	z.pending.Wait()
	u.flush()
	u.finalWizard = z
	z.waitForURL()
	st := tunnel.Status{State: tunnel.Offline, MessageKey: "tunnel.ngrok.bad_authtoken", Code: "ERR_NGROK_107"}
	u.firstRunURL(vm.Header{TunnelState: st.State, TunnelKey: st.MessageKey, Tunnel: st})
	if !strings.Contains(z.reason.Text, "ERR_NGROK_107") || strings.Contains(z.reason.Text, "{{") ||
		!strings.HasPrefix(z.reason.Text, u.tr.T("ui.tunnel.offline")) {
		t.Fatalf("reason %q", z.reason.Text)
	}
	test.Tap(z.toMain)
	if u.finalWizard != nil {
		t.Fatal("the wizard still waits after «Перейти в главное окно»")
	}
}
