package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"mangotqm/app/reconcile"
	"mangotqm/ui/vm/vmtest"
)

// The header shows the last reconcile; the source column names it.
func TestReconcileLineAndSourceColumn(t *testing.T) {
	f := vmtest.NewReconciler(vmtest.New(t.TempDir(), testURL))
	m := newWindowFor(t, f)
	m.refresh()
	if m.recon.Visible() {
		t.Fatalf("reconcile line shown before any run: %q", m.recon.Text)
	}
	at := time.Date(2026, 6, 1, 14, 5, 0, 0, time.Local)
	f.SetLastReconcile(reconcile.Result{At: at, New: 2})
	m.refresh()
	if want := "Сверка с Mango: 14:05, пропущенных найдено: 2"; !m.recon.Visible() || m.recon.Text != want {
		t.Fatalf("reconcile line %q (visible %v), want %q", m.recon.Text, m.recon.Visible(), want)
	}
	f.SetLastReconcile(reconcile.Result{At: at, Err: reconcile.ErrCredentials})
	m.refresh()
	if !strings.Contains(m.recon.Text, "не удалась") || !strings.Contains(m.recon.Text, "ключ") {
		t.Fatalf("failed reconcile line %q", m.recon.Text)
	}
	if columns[len(columns)-1] != "ui.col.source" {
		t.Fatalf("no source column: %v", columns)
	}
}

// The dialog: progress and counts as chunks arrive, Cancel stops it, bad
// dates are refused.
func TestBackfillDialog(t *testing.T) {
	f := vmtest.NewReconciler(vmtest.New(t.TempDir(), testURL))
	f.Gate = make(chan struct{})
	f.Steps = []reconcile.Progress{{Chunks: 2}, {Chunks: 2, ChunksDone: 1, Found: 5, New: 4, Known: 1}, {Chunks: 2, ChunksDone: 2, Found: 9, New: 7, Known: 2, Done: true}}
	m := newWindowFor(t, f)
	form := m.newBackfillForm(f)
	form.from.SetText("вчера")
	test.Tap(form.startBtn)
	if !strings.Contains(form.status.Text, "«вчера» не распознана") || !form.bar.Hidden || len(f.Asked()) != 0 {
		t.Fatalf("bad date: status %q, asked %v", form.status.Text, f.Asked())
	}
	form.from.SetText("2026-03-01")
	form.to.SetText("2026-03-31")
	test.Tap(form.startBtn)
	if !form.startBtn.Disabled() || form.stopBtn.Text != m.tr.T("ui.action.cancel") {
		t.Fatal("start not disabled while running")
	}
	f.Gate <- struct{}{}
	f.Gate <- struct{}{}
	eventually(t, "first chunk shown", func() bool {
		m.u.flush()
		return form.bar.Value == 0.5 && strings.Contains(form.status.Text, "новых: 4")
	})
	test.Tap(form.stopBtn) // Cancel
	m.pending.Wait()
	m.u.flush()
	if !strings.Contains(form.status.Text, "Остановлено") || form.startBtn.Disabled() {
		t.Fatalf("after cancel: %q", form.status.Text)
	}
	if a := f.Asked(); len(a) != 2 || a[0].Format(time.RFC3339) != "2026-03-01T00:00:00+03:00" || a[1].Format(time.RFC3339) != "2026-04-01T00:00:00+03:00" {
		t.Fatalf("asked %v", a)
	}
	close(f.Gate)
	test.Tap(form.startBtn)
	m.pending.Wait()
	m.u.flush()
	if form.bar.Value != 1 || !strings.Contains(form.status.Text, "Готово") || !strings.Contains(form.status.Text, "новых: 7") {
		t.Fatalf("done: bar %v, %q", form.bar.Value, form.status.Text)
	}
}
