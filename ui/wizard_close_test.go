package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

// newRunningUI is a UI whose main window runs over the fake backend (the
// app is set up), with a real bridge for the wizard's saving.
func newRunningUI(t *testing.T, tray bool) (*UI, *int) {
	t.Helper()
	f := vmtest.New(t.TempDir(), testURL)
	u := newTestUI(t, f)
	b, err := bridge.Open(context.Background(), bridge.Options{DataDir: t.TempDir(), Secrets: u.keychain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	u.bridge = b
	u.main = newMainWindow(u, f)
	t.Cleanup(u.main.stop)
	quits := 0
	u.testTray, u.testQuit = &tray, func() { quits++ }
	return u, &quits
}

// tapDialogButton taps the button labelled text in w's top overlay.
func tapDialogButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog in front of the window (wanted a %q button)", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the dialog has no %q button", text)
}

// dialogText is what the top overlay of w says.
func dialogText(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var out []string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return strings.Join(out, "\n")
}

// Item 1: the first-run wizard's window is the only one shown; closing it
// quits where there is no tray (after a one-time explanation that can be
// declined) and goes to the tray where there is one, saying so once.
func TestWizardCloseNeverLeavesAnInvisibleApp(t *testing.T) {
	t.Run("no tray", func(t *testing.T) {
		u, quits := newRunningUI(t, false)
		w := test.NewTempWindow(t, widget.NewLabel(""))
		z := newWizard(u, w, true, func() {})
		u.finalWizard = z
		z.waitForURL()
		z.close()
		if !strings.Contains(dialogText(w), "нет значка в трее") || *quits != 0 {
			t.Fatalf("first close: quits %d, dialog %q", *quits, dialogText(w))
		}
		tapDialogButton(t, w, u.tr.T("ui.close.stay"))
		if *quits != 0 {
			t.Fatal("«Не выходить» quit")
		}
		z.close()
		tapDialogButton(t, w, u.tr.T("ui.close.quit"))
		if *quits != 1 {
			t.Fatalf("«Выйти»: quits %d", *quits)
		}
		w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
		z.close() // explained once: no second explanation
		if *quits != 2 || w.Canvas().Overlays().Top() != nil {
			t.Fatalf("later close: quits %d, dialog %q", *quits, dialogText(w))
		}
		// The main window follows the same rule.
		u.closeLast(u.main.w, true, func() { t.Fatal("hidden with no tray") })
		if *quits != 3 {
			t.Fatalf("main window close: quits %d", *quits)
		}
	})
	t.Run("tray", func(t *testing.T) {
		u, quits := newRunningUI(t, true)
		w := test.NewWindow(widget.NewLabel("")) // closed by the test
		closed := 0
		w.SetOnClosed(func() { closed++ })
		z := newWizard(u, w, true, func() {})
		u.finalWizard = z
		z.waitForURL()
		z.close()
		if !strings.Contains(dialogText(w), "в трее, рядом с часами") || closed != 0 {
			t.Fatalf("first close: closed %d, dialog %q", closed, dialogText(w))
		}
		tapDialogButton(t, w, u.tr.T("ui.close.ok"))
		if closed != 1 || *quits != 0 || u.finalWizard != nil {
			t.Fatalf("after the note: closed %d, quits %d, still waiting %v", closed, *quits, u.finalWizard != nil)
		}
		hidden := 0
		u.closeLast(u.main.w, true, func() { hidden++ }) // the main window: no second note
		if hidden != 1 || *quits != 0 || u.main.w.Canvas().Overlays().Top() != nil {
			t.Fatalf("main window close: hidden %d, quits %d", hidden, *quits)
		}
	})
	t.Run("before setup", func(t *testing.T) {
		u, quits := newRunningUI(t, true)
		u.main = nil // the intro: nothing runs yet
		w := test.NewTempWindow(t, widget.NewLabel(""))
		z := newWizard(u, w, true, func() {})
		z.close()
		if *quits != 1 {
			t.Fatalf("closing the wizard before setup: quits %d", *quits)
		}
	})
	t.Run("change keys over the main window", func(t *testing.T) {
		u, quits := newRunningUI(t, false)
		w := test.NewWindow(widget.NewLabel("")) // closed by the test
		closed := 0
		w.SetOnClosed(func() { closed++ })
		z := u.showKeys(w)
		z.close()
		if closed != 1 || *quits != 0 || w.Canvas().Overlays().Top() != nil {
			t.Fatalf("closed %d, quits %d: the main window stays, so only this window closes", closed, *quits)
		}
	})
}

// Item 6: on the VPBX page a new check result replaces the red format
// hint: one message at a time.
func TestVPBXPageShowsOneMessage(t *testing.T) {
	z, _, _ := newTestWizard(t)
	z.show(z.stepIndex("ui.wizard.mango.title"))
	z.entries[0].SetText("abc") // too short
	z.entries[1].SetText("0123456789abcdef0123456789abcdef")
	test.Tap(z.checkBtn)
	if z.status.Text != z.u.tr.T("ui.wizard.bad.vpbx_key") || z.status.Importance != widget.DangerImportance {
		t.Fatalf("format hint: %q", z.status.Text)
	}
	z.vpbx = &vm.VPBXCheck{Check: func(context.Context, string, string) (int, error) {
		return 0, errors.New("dial tcp: lookup app.mango-office.ru: no such host")
	}}
	z.entries[0].SetText("abcdefghijklmnopqrstuvwxyz1")
	test.Tap(z.checkBtn)
	z.pending.Wait()
	z.u.flush()
	if z.status.Text != z.u.tr.T("ui.wizard.vpbx.unreachable") || z.status.Importance != widget.WarningImportance {
		t.Fatalf("after the check: %q", z.status.Text)
	}
	hint := z.u.tr.T("ui.wizard.bad.vpbx_key")
	for _, o := range test.LaidOutObjects(z.w.Content()) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, hint) {
			t.Fatal("the stale format hint stays beside the connection error")
		}
	}
}
