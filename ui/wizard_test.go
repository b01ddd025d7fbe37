package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mapping"
	"mangotqm/app/secrets"
	"mangotqm/ui/vm/vmtest"
)

func newTestWizard(t *testing.T) (*wizard, *memSecrets, *int) {
	t.Helper()
	return newTestWizardOn(t, nil)
}

// newTestWizardOn runs the wizard over mem (a new keychain when nil).
func newTestWizardOn(t *testing.T, mem *memSecrets) (*wizard, *memSecrets, *int) {
	t.Helper()
	u := newTestUI(t, nil)
	if mem != nil {
		u.keychain = mem
	}
	mem = u.keychain.(*memSecrets)
	b, err := bridge.Open(context.Background(), bridge.Options{DataDir: t.TempDir(), Secrets: mem})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	u.bridge = b
	done := 0
	w := test.NewTempWindow(t, widget.NewLabel(""))
	z := newWizard(u, w, true, func() { done++ })
	z.pending.Wait()
	u.flush()
	test.Tap(z.start)
	return z, mem, &done
}

// step types values into the current step's fields and taps Next.
func (z *wizard) step(values ...string) {
	for i, v := range values {
		z.entries[i].SetText(v)
	}
	test.Tap(z.next)
	z.pending.Wait()
	z.u.flush()
}

func TestWizardStoresEachSecretInTheKeychain(t *testing.T) {
	z, mem, done := newTestWizard(t)
	const tqmKey = "tqm-key-1234567890"
	const token = "2abcDEFghiJKLmnoPQRstuVWxyz_0123456789"

	for _, e := range z.entries {
		if !e.Password {
			t.Fatal("a secret is typed into a field that shows it")
		}
	}
	z.step("tqm key with spaces")
	if z.i != 0 || mem.get(secrets.TQMKey) != "" || z.status.Text != z.u.tr.T("ui.wizard.bad.key") {
		t.Fatalf("a malformed key was accepted (step %d, status %q)", z.i, z.status.Text)
	}
	z.step(" " + tqmKey + " ")
	if z.i != 1 || mem.get(secrets.TQMKey) != tqmKey {
		t.Fatalf("step %d, stored %q", z.i, mem.get(secrets.TQMKey))
	}
	z.step("abcdefghijklmnopqrstuvwxyz1", "0123456789abcdef0123456789abcdef") // Mango's API connector (optional)
	if !z.road.shown {
		t.Fatal("the road page does not follow the VPBX step")
	}
	z.roadNext(t) // ngrok, the default
	if z.i != 2 {
		t.Fatalf("ngrok chosen: step %d, want the ngrok token", z.i)
	}
	z.step("") // the ngrok token is required
	if z.i != 2 || z.status.Text != z.u.tr.T("ui.wizard.required") {
		t.Fatalf("an empty required token passed (step %d, status %q)", z.i, z.status.Text)
	}
	z.step(token)
	if z.i != 3 || mem.get(secrets.NgrokAuthtoken) != token {
		t.Fatalf("step %d, token stored %v", z.i, mem.get(secrets.NgrokAuthtoken) == token)
	}
	if z.entries[0].Password {
		t.Fatal("the ngrok domain is not a secret: it should be shown")
	}
	test.Tap(z.back)
	if z.i != 2 {
		t.Fatal("Back does not go back")
	}
	z.step("") // the stored token is kept
	z.step("not a domain")
	if z.i != 3 {
		t.Fatal("a malformed domain was accepted")
	}
	z.step(" Demo-Name.NGROK-free.dev ") // typed in capitals, without https://
	if got := z.u.bridge.Config().NgrokDomain; got != "https://demo-name.ngrok-free.dev" {
		t.Fatalf("domain %q", got)
	}
	if *done != 1 {
		t.Fatalf("wizard finished %d times", *done)
	}
	if mem.get(secrets.MangoVPBXKey) != "abcdefghijklmnopqrstuvwxyz1" || mem.get(secrets.MangoCTToken) != "" {
		t.Fatal("optional secrets stored wrongly")
	}
	for _, v := range []string{tqmKey, token} {
		if z.u.redactor.Redact("log: "+v) == "log: "+v {
			t.Error("a stored secret is not redacted from logs")
		}
	}

	z.showURL(testURL)
	test.Tap(z.copyBtn)
	if got := z.u.app.Clipboard().Content(); got != testURL {
		t.Fatalf("clipboard %q", got)
	}
	if !hasText(z.w.Content(), "Коллтрекинг > Настройки > API > Вебхуки > «Конец звонка»") {
		t.Error("the last page does not say where the URL goes in Mango")
	}
}

func TestWizardKeepsStoredSecretsWhenLeftEmpty(t *testing.T) {
	z, mem, _ := newTestWizard(t)
	_ = mem.Set(t.Context(), secrets.TQMKey, "stored-key-123456")
	z.step("")
	if z.i != 1 || mem.get(secrets.TQMKey) != "stored-key-123456" {
		t.Fatalf("step %d, key %q", z.i, mem.get(secrets.TQMKey))
	}
}

func TestWizardSaysPlainlyWhenTheKeychainIsUnavailable(t *testing.T) {
	z, mem, _ := newTestWizard(t)
	mem.setErr = fmt.Errorf("keychain: %w (no Secret Service)", secrets.ErrUnavailable)
	z.step("tqm-key-1234567890")
	if !hasText(z.w.Content(), z.u.tr.T("ui.keychain.unavailable.title")) ||
		!hasText(z.w.Content(), "gnome-keyring") {
		t.Fatal("the window does not explain that the keychain is unavailable and how to fix it")
	}
	if mem.get(secrets.TQMKey) != "" {
		t.Fatal("stored despite the error")
	}
}

func TestMappingEditorPreviewsAndSaves(t *testing.T) {
	u := newTestUI(t, nil)
	f := vmtest.New(t.TempDir(), testURL)
	f.SetPreview(mapping.Result{Fields: []mapping.Field{{Name: "id", Value: "CT-77"}}})
	e := newMappingEditor(u, f)
	e.pending.Wait()
	u.flush()
	if !strings.Contains(e.preview.Text, "(id): CT-77") || !strings.Contains(e.preview.Text, "Europe/Moscow") {
		t.Fatalf("preview:\n%s", e.preview.Text)
	}
	field := mapping.Fields[0]
	e.rows[field].mode.SetSelectedIndex(modeConst)
	e.rows[field].value.SetText("constant-value")
	e.pending.Wait()
	u.flush()
	test.Tap(e.save)
	saved := f.Saved()
	if len(saved) != 1 {
		t.Fatalf("saved %d times", len(saved))
	}
	var got mapping.Rule
	for _, r := range saved[0].Rules {
		if r.Field == field {
			got = r
		}
	}
	if got.Const != "constant-value" || len(got.Params) != 0 {
		t.Fatalf("rule for %s: %+v", field, got)
	}
	test.Tap(e.reset)
	e.pending.Wait()
	u.flush()
	if e.rows[field].value.Text == "constant-value" {
		t.Error("Restore defaults kept the edit")
	}
}

func TestMappingPreviewWithoutCalls(t *testing.T) {
	u := newTestUI(t, nil)
	e := newMappingEditor(u, vmtest.New(t.TempDir(), testURL))
	e.pending.Wait()
	u.flush()
	if e.preview.Text != u.tr.T("ui.mapping.preview_none") {
		t.Fatalf("preview %q", e.preview.Text)
	}
}

// hasText reports whether a label or entry under o shows s.
func hasText(o fyne.CanvasObject, s string) bool {
	return clocktest.Poll(context.Background(), time.Second, func() bool {
		for _, x := range test.LaidOutObjects(o) {
			switch w := x.(type) {
			case *widget.Label:
				if strings.Contains(w.Text, s) {
					return true
				}
			case *widget.Entry:
				if strings.Contains(w.Text, s) {
					return true
				}
			}
		}
		return false
	})
}
