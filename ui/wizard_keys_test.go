package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
)

// Item 11: «Изменить ключи…» lists the keys; «Изменить» opens just that
// key's page, without a step count, with «Отмена» back to the list; a
// saved key applies and its confirmation shows in this window.
func TestChangeKeysOneAtATime(t *testing.T) {
	u, _ := newRunningUI(t, false)
	mem := u.keychain.(*memSecrets)
	_ = mem.Set(context.Background(), secrets.TQMKey, "old-tqm-key-123456")
	_ = mem.Set(context.Background(), secrets.NgrokAuthtoken, "2abcDEFghiJKLmnoPQRstuVWxyz_0123456789")
	w := test.NewTempWindow(t, widget.NewLabel(""))
	z := u.showWizard(w) // as Settings calls it: over a running app, the keys list
	if !z.keys {
		t.Fatal("«Изменить ключи…» runs the first-run wizard")
	}
	z.pending.Wait()
	u.flush()
	if len(z.keyEdits) != len(z.steps) {
		t.Fatalf("%d «Изменить» buttons for %d keys", len(z.keyEdits), len(z.steps))
	}
	if !hasText(w.Content(), u.tr.T("ui.keys.help")) || !hasText(w.Content(), u.tr.T("ui.keys.state.stored")) {
		t.Fatal("the list does not say which keys are stored")
	}
	edit := func(title string) {
		t.Helper()
		for _, e := range z.keyEdits {
			if e.row.TitleKey == title {
				test.Tap(e.btn)
				return
			}
		}
		t.Fatalf("no row for %s", title)
	}
	edit("ui.wizard.ngrok.title")
	if z.i != z.stepIndex("ui.wizard.ngrok.title") || strings.Contains(z.title.Text, "Шаг") ||
		z.back.Text != "Отмена" || z.next.Text != u.tr.T("ui.action.save") || z.skip != nil {
		t.Fatalf("the ngrok page: step %d, title %q, buttons %q/%q", z.i, z.title.Text, z.back.Text, z.next.Text)
	}
	z.entries[0].SetText("3xyzDEFghiJKLmnoPQRstuVWxyz_0123456789")
	test.Tap(z.back) // Отмена: nothing stored
	if z.i != -1 || mem.get(secrets.NgrokAuthtoken) != "2abcDEFghiJKLmnoPQRstuVWxyz_0123456789" {
		t.Fatalf("Cancel: step %d, token changed %v", z.i, mem.get(secrets.NgrokAuthtoken))
	}
	edit("ui.wizard.tqm.title")
	z.step("new-tqm-key-123456")
	if z.i != -1 || mem.get(secrets.TQMKey) != "new-tqm-key-123456" {
		t.Fatalf("save: step %d, key %q", z.i, mem.get(secrets.TQMKey))
	}
	if mem.get(secrets.NgrokAuthtoken) != "2abcDEFghiJKLmnoPQRstuVWxyz_0123456789" {
		t.Fatal("saving one key changed another")
	}
	if !strings.Contains(dialogText(w), u.tr.T("ui.settings.keys_applied")) {
		t.Fatalf("no confirmation in front of the keys window: %q", dialogText(w))
	}
	for _, o := range test.LaidOutObjects(w.Content()) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "Шаг") {
			t.Fatalf("a step count in «Изменить ключи»: %q", l.Text)
		}
	}
}
