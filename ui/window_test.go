package ui

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/demo"
	"mangotqm/app/secrets"
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

const testURL = "https://demo-name.ngrok-free.dev/h/abc123/calltracking"

var _ vm.Backend = (*vmtest.Fake)(nil)

// newTestUI is the UI over b in Fyne's test app (in-memory clipboard and
// preferences, no real window).
func newTestUI(t *testing.T, b vm.Backend) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	return &UI{app: a, tr: Tr{Lang: "ru"}, settings: NewSettings(a.Preferences()), redactor: secrets.NewRedactor(),
		log: slog.New(slog.DiscardHandler), demo: b != nil && b.Demo(), keychain: newMemSecrets(),
		testQueue: make(chan func(), 1024)}
}

// flush applies the UI updates queued by goroutines, on the test goroutine.
func (u *UI) flush() {
	for {
		select {
		case f := <-u.testQueue:
			f()
		default:
			return
		}
	}
}

// refresh reloads the window and shows the result.
func (m *mainWindow) refresh() {
	m.reload()
	m.u.flush()
}

// newFakeWindow builds the real main window over the fake backend.
func newFakeWindow(t *testing.T) (*mainWindow, *vmtest.Fake) {
	t.Helper()
	f := vmtest.New(t.TempDir(), testURL)
	return newWindowFor(t, f), f
}

func newWindowFor(t *testing.T, b vm.Backend) *mainWindow {
	t.Helper()
	u := newTestUI(t, b)
	m := newMainWindow(u, b)
	u.main = m
	t.Cleanup(m.stop)
	return m
}

func deliveredCall(caller string) (calls.Call, []calls.Attempt) {
	now := time.Now()
	return calls.Call{CallID: "CT-1", Caller: caller, Operator: "Продажи", Duration: 95, Status: calls.StatusDelivered,
			Received: now, Attempts: 1, Raw: `{"method":"GET","query":{"callId":"CT-1"}}`,
			Request: `{"fields":[{"name":"id","value":"CT-1"}]}`},
		[]calls.Attempt{{Started: now, HTTPStatus: 200, Outcome: calls.OutcomeDelivered, Response: `{"id":"tqm-1"}`,
			CorrelationID: "corr-42", Duration: 80 * time.Millisecond}}
}

func TestCopyPutsTheWebhookURLOnTheClipboard(t *testing.T) {
	m, f := newFakeWindow(t)
	m.refresh()
	if m.url.Text != testURL {
		t.Fatalf("URL field %q, want %q", m.url.Text, testURL)
	}
	test.Tap(m.copyBtn)
	if got := m.app.Clipboard().Content(); got != testURL {
		t.Fatalf("clipboard %q, want %q", got, testURL)
	}
	eventually(t, "the core is told which URL was copied (URL-change warning)", func() bool {
		return slices.Equal(f.Copied(), []string{testURL})
	})
}

func TestCopyWithoutURLDoesNothing(t *testing.T) {
	m := newWindowFor(t, vmtest.New(t.TempDir(), ""))
	m.refresh()
	m.app.Clipboard().SetContent("before")
	test.Tap(m.copyBtn)
	if got := m.app.Clipboard().Content(); got != "before" {
		t.Fatalf("clipboard %q after Copy with no URL", got)
	}
	if !strings.Contains(m.state.Text, m.tr.T("ui.tunnel.connecting")) {
		t.Errorf("state %q", m.state.Text)
	}
}

func TestResendRequeuesTheSelectedCall(t *testing.T) {
	m, f := newFakeWindow(t)
	c, a := deliveredCall("74951112233")
	row := f.AddCall(c, a...)
	m.refresh()
	if n, _ := m.tableSize(); n != 1 {
		t.Fatalf("table has %d rows, want 1", n)
	}
	if !m.resendBtn.Disabled() {
		t.Fatal("Resend must be disabled until a call is selected")
	}
	m.table.Select(widget.TableCellID{Row: 0, Col: 0})
	m.refresh()
	if m.resendBtn.Disabled() {
		t.Fatal("Resend stays disabled for a delivered call")
	}
	// In words on the tab; TQM's raw reply under «Подробнее».
	if !strings.Contains(m.tries.Text, "Доставлен в TQM: HTTP 200") || strings.Contains(m.tries.Text, "x-correlation-id") {
		t.Errorf("attempts pane:\n%s", m.tries.Text)
	}
	for _, want := range []string{"x-correlation-id: corr-42", `{"id":"tqm-1"}`} {
		if !strings.Contains(m.triesRaw.label.Text, want) || m.triesRaw.fold.Hidden {
			t.Errorf("«Подробнее» lacks %q:\n%s", want, m.triesRaw.label.Text)
		}
	}
	if !strings.Contains(m.raw.Text, `"callId": "CT-1"`) || m.request.Text != "id: CT-1" {
		t.Errorf("raw:\n%s\nrequest:\n%s", m.raw.Text, m.request.Text)
	}
	test.Tap(m.resendBtn)
	m.pending.Wait()
	m.u.flush()
	// A delivered call: TQM would get a second import, so it asks first.
	if m.confirm == nil || len(f.Resent()) != 0 {
		t.Fatalf("resending a delivered call did not ask first (resent %v)", f.Resent())
	}
	m.confirm.Confirm()
	m.pending.Wait()
	m.u.flush()
	if got := f.Resent(); !slices.Equal(got, []int64{row}) {
		t.Fatalf("backend resent %v, want [%d]", got, row)
	}
	m.refresh()
	if got := cellText(m, 0, 4); got != m.tr.T(vm.StatusKey(calls.StatusQueued)) {
		t.Fatalf("status cell %q after Resend, want queued", got)
	}
}

func TestPauseAndResume(t *testing.T) {
	m, f := newFakeWindow(t)
	m.refresh()
	test.Tap(m.pauseBtn)
	m.pending.Wait()
	m.u.flush()
	if !f.Paused() {
		t.Fatal("Pause did not pause the backend")
	}
	m.refresh()
	// The header's state line says so, never in green.
	if !strings.Contains(m.state.Text, m.tr.T("ui.delivery.paused")) || m.state.Importance == widget.SuccessImportance ||
		m.pauseBtn.Text != m.tr.T("ui.action.resume") {
		t.Fatalf("header does not say paused: %q (importance %v) / button %q", m.state.Text, m.state.Importance, m.pauseBtn.Text)
	}
	test.Tap(m.pauseBtn)
	m.pending.Wait()
	m.u.flush()
	if f.Paused() {
		t.Fatal("Resume did not resume the backend")
	}
	m.refresh()
	if m.pauseBtn.Text != m.tr.T("ui.action.pause") {
		t.Fatalf("button %q after resume", m.pauseBtn.Text)
	}
}

func TestFiltersAndSearchReachTheBackend(t *testing.T) {
	m, f := newFakeWindow(t)
	c, a := deliveredCall("74951112233")
	f.AddCall(c, a...)
	f.AddCall(calls.Call{Caller: "74959998877", Status: calls.StatusFailed, Received: time.Now(), LastError: "HTTP 503"})
	m.refresh()
	if n, _ := m.tableSize(); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	m.statusSel.SetSelectedIndex(slices.Index(vm.FilterStatuses, calls.StatusFailed))
	m.search.SetText("7495999")
	m.refresh()
	last := f.Filters()[len(f.Filters())-1]
	if !slices.Equal(last.Statuses, []calls.Status{calls.StatusFailed}) || last.Search != "7495999" {
		t.Fatalf("backend asked with %+v", last)
	}
	if n, _ := m.tableSize(); n != 1 || cellText(m, 0, 1) != "+7 (495) 999-88-77" {
		t.Fatalf("%d rows, first caller %q", n, cellText(m, 0, 1))
	}
	if got := cellText(m, 0, 4); got != m.tr.T(vm.StatusKey(calls.StatusFailed)) {
		t.Errorf("status cell %q", got)
	}
}

func TestExportAndOpenFolder(t *testing.T) {
	m, f := newFakeWindow(t)
	c, a := deliveredCall("74951112233")
	f.AddCall(c, a...)
	m.refresh()
	test.Tap(m.exportBtn) // a save dialog (desk_test.go checks it); then the chosen file:
	out, err := os.Create(filepath.Join(f.DataDir(), "chosen.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m.exportTo(out, out.Name())
	if m.lastExport != out.Name() {
		t.Fatalf("exported to %q, want %q", m.lastExport, out.Name())
	}
	b, err := os.ReadFile(m.lastExport)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "+7 (495) 111-22-33") || !strings.Contains(string(b), m.tr.T("ui.status.delivered")) {
		t.Errorf("CSV:\n%s", b)
	}
	var opened []*url.URL
	m.actions.Open = func(u *url.URL) error { opened = append(opened, u); return nil }
	test.Tap(m.folderBtn)
	if len(opened) != 1 || opened[0].Path != filepath.ToSlash(f.DataDir()) {
		t.Fatalf("opened %v", opened)
	}
}

func TestOneNotificationPerIncident(t *testing.T) {
	m, f := newFakeWindow(t)
	f.OpenIncident(calls.Incident{ID: 1, Kind: "tunnel", Message: "старый"})
	test.AssertNotificationSent(t, nil, m.refresh) // open at start: no burst
	f.OpenIncident(calls.Incident{ID: 2, Kind: "key", Message: "TQM отклонил ключ"})
	test.AssertNotificationSent(t, fyne.NewNotification(m.tr.T("ui.notify.title"), "TQM отклонил ключ"), m.refresh)
	test.AssertNotificationSent(t, nil, m.refresh) // the same incident again: nothing
	m.u.setMuted(true)
	f.OpenIncident(calls.Incident{ID: 3, Kind: "tunnel", Message: "нет связи"})
	test.AssertNotificationSent(t, nil, m.refresh)
	if !m.u.settings.Muted() {
		t.Error("mute is not remembered")
	}
}

func TestDemoWindow(t *testing.T) {
	f := vmtest.New(t.TempDir(), testURL)
	f.SetDemo(true)
	m := newWindowFor(t, f)
	if !strings.Contains(m.w.Title(), "ДЕМО") || m.demo.Hidden || m.simBtn == nil {
		t.Fatalf("demo not labelled: title %q, banner hidden %v", m.w.Title(), m.demo.Hidden)
	}
	items := m.simItems()
	if len(items) != len(demo.Scenarios) {
		t.Fatalf("simulate menu has %d items", len(items))
	}
	for _, it := range items {
		if it.Label == "" || strings.HasPrefix(it.Label, "ui.") {
			t.Errorf("menu item %q is not translated", it.Label)
		}
		it.Action()
	}
	m.pending.Wait()
	m.u.flush()
	if got := f.Scenarios(); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(demo.Scenarios))) {
		t.Fatalf("scenarios simulated %v", f.Scenarios())
	}
	plain := newWindowFor(t, vmtest.New(t.TempDir(), testURL))
	if strings.Contains(plain.w.Title(), "ДЕМО") || !plain.demo.Hidden || plain.simBtn != nil {
		t.Fatal("a real window is labelled DEMO")
	}
}

// The window over a real demo bridge: the contract with *bridge.Bridge.
func TestWindowOverTheDemoCore(t *testing.T) {
	ctx := context.Background()
	c, err := demo.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	m := newWindowFor(t, c)
	m.simulateScenario(demo.ScenarioNormal)
	m.pending.Wait()
	m.u.flush()
	eventually(t, "the simulated call is delivered", func() bool {
		n, _ := c.Counts(ctx)
		return n.DeliveredToday == 1
	})
	m.refresh()
	m.table.Select(widget.TableCellID{Row: 0, Col: 0})
	m.refresh()
	if cellText(m, 0, 4) != m.tr.T("ui.status.delivered") || !strings.Contains(m.tries.Text, "HTTP 200") {
		t.Fatalf("status %q, tries:\n%s", cellText(m, 0, 4), m.tries.Text)
	}
	test.Tap(m.resendBtn)
	m.confirm.Confirm()
	m.pending.Wait()
	m.u.flush()
	eventually(t, "the resent call is delivered again", func() bool {
		_, atts, _ := c.Call(ctx, m.selected)
		n, _ := c.Counts(ctx)
		return len(atts) == 2 && n.Waiting == 0 && n.Sending == 0
	})
}

// cellText renders one table cell the way the table does.
func cellText(m *mainWindow, row, col int) string {
	l := m.newCell().(*widget.Label)
	m.updateCell(widget.TableCellID{Row: row, Col: col}, l)
	return l.Text
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	clocktest.Within(t, 15*time.Second, what, cond)
}
