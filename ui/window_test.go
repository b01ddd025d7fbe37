package ui

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"mangotqm/app/core"
	"mangotqm/app/secrets"
	"mangotqm/store"
)

// newTestWindow builds the real main window over a real demo core (SQLite
// file, loopback receiver, sandbox TQM) in Fyne's test app.
func newTestWindow(t *testing.T) (*mainWindow, *core.Core) {
	t.Helper()
	a := test.NewTempApp(t)
	ctx := context.Background()
	c, err := core.NewDemo(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	u := &UI{app: a, tr: Tr{Lang: "ru"}, settings: NewSettings(a.Preferences()), redactor: secrets.NewRedactor(),
		log: slog.New(slog.DiscardHandler), demo: true, core: c}
	m := newMainWindow(u, c)
	u.main = m
	t.Cleanup(m.stop)
	return m, c
}

func waitCall(t *testing.T, c *core.Core, row int64, status string) store.Call {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		call, _, err := c.Call(context.Background(), row)
		if err != nil {
			t.Fatal(err)
		}
		if call.Status == status {
			return call
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %d is %s, want %s", row, call.Status, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCopyPutsTheWebhookURLOnTheClipboard(t *testing.T) {
	m, c := newTestWindow(t)
	m.reload()
	want := c.Endpoints()[0].URL
	if m.url.Text != want {
		t.Fatalf("URL field %q, want %q", m.url.Text, want)
	}
	test.Tap(m.copyBtn)
	if got := m.app.Clipboard().Content(); got != want {
		t.Fatalf("clipboard %q, want %q", got, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		copied, _ := c.CopiedURL(context.Background())
		if copied == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the copied URL was not remembered (URL-change warning needs it)")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestResendRequeuesTheSelectedCall(t *testing.T) {
	m, c := newTestWindow(t)
	row, err := c.Simulate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	waitCall(t, c, row, store.StatusDelivered)
	m.reload()
	if n, _ := m.tableSize(); n != 1 {
		t.Fatalf("table has %d rows, want 1", n)
	}
	if !m.resendBtn.Disabled() {
		t.Fatal("Resend must be disabled until a call is selected")
	}
	m.table.Select(tableCell(0, 0))
	m.reload()
	if m.resendBtn.Disabled() {
		t.Fatal("Resend stays disabled for a delivered call")
	}
	if !strings.Contains(m.tries.Text, "HTTP 200") || !strings.Contains(m.tries.Text, "x-correlation-id") {
		t.Errorf("attempts pane:\n%s", m.tries.Text)
	}
	test.Tap(m.resendBtn)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, atts, _ := c.Call(context.Background(), row)
		if len(atts) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Resend the call has %d tries, want 2", len(atts))
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitCall(t, c, row, store.StatusDelivered)
}

func TestPauseStopsDeliveryNotIntake(t *testing.T) {
	m, c := newTestWindow(t)
	m.reload()
	test.Tap(m.pauseBtn)
	if !c.Paused() {
		t.Fatal("Pause did not pause delivery")
	}
	row, err := c.Simulate(context.Background())
	if err != nil {
		t.Fatalf("intake while paused: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	if call, _, _ := c.Call(context.Background(), row); call.Status != store.StatusQueued {
		t.Fatalf("paused, yet the call is %s", call.Status)
	}
	m.reload()
	if !strings.Contains(m.counts.Text, m.tr.T("ui.delivery.paused")) || m.pauseBtn.Text != m.tr.T("ui.action.resume") {
		t.Fatalf("header does not say paused: %q / button %q", m.counts.Text, m.pauseBtn.Text)
	}
	test.Tap(m.pauseBtn)
	waitCall(t, c, row, store.StatusDelivered)
}
