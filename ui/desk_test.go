package ui

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/config"
	"mangotqm/app/mapping"
	"mangotqm/ui/vm/vmtest"
)

// deskUI is a test UI over a real bridge (real SQLite, no tunnel).
func deskUI(t *testing.T) *UI {
	t.Helper()
	u := newTestUI(t, nil)
	u.dataDir, u.open = t.TempDir(), loopbackOpener(u)
	b, err := u.openBridge(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	u.bridge = b
	return u
}

// walk visits every object under o, through the widgets' renderers
// (dialogs, tabs, forms, accordions).
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	for _, c := range test.LaidOutObjects(o) {
		f(c)
	}
}

// texts are all label texts under o.
func texts(o fyne.CanvasObject) string {
	var b strings.Builder
	walk(o, func(c fyne.CanvasObject) {
		switch x := c.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *widget.Entry:
			b.WriteString(x.Text + "\n")
		case *widget.Accordion:
			for _, it := range x.Items {
				b.WriteString(it.Title + "\n")
			}
		}
	})
	return b.String()
}

func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(o, func(c fyne.CanvasObject) {
		if b, ok := c.(*widget.Button); ok && b.Text == text {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}

func formEntry(t *testing.T, o fyne.CanvasObject, label string) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	walk(o, func(c fyne.CanvasObject) {
		if f, ok := c.(*widget.Form); ok {
			for _, it := range f.Items {
				if e, ok := it.Widget.(*widget.Entry); ok && it.Text == label {
					found = e
				}
			}
		}
	})
	if found == nil {
		t.Fatalf("no field %q", label)
	}
	return found
}

// topDialog is the text of the dialog on top of w ("" when none).
func topDialog(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	return texts(top)
}

// Settings refuse an empty «Домен ngrok» on the ngrok road, in the
// wizard's words, and a bad TQM address naming the field in Russian with
// the technical text under «Подробнее»; nothing is saved.
func TestSettingsErrorsInWords(t *testing.T) {
	u := deskUI(t)
	showSettings(u)
	w := u.settingsWin
	before := u.bridge.Config()
	domain := formEntry(t, w.Content(), u.tr.T("ui.wizard.ngrok.domain"))
	save := findButton(t, w.Content(), u.tr.T("ui.action.save"))

	domain.SetText("")
	test.Tap(save)
	got := topDialog(w)
	if !strings.Contains(got, "Домен ngrok: "+u.tr.T("ui.wizard.required")) {
		t.Fatalf("empty domain: dialog says\n%s", got)
	}
	w.Canvas().Overlays().Top().Hide()

	domain.SetText("name.ngrok-free.dev")
	formEntry(t, w.Content(), u.tr.T("ui.settings.tqm_url")).SetText("tqm bank")
	test.Tap(save)
	got = topDialog(w)
	for _, want := range []string{"Адрес TQM: нужен адрес вида https://адрес.ru", "Подробнее"} {
		if !strings.Contains(got, want) {
			t.Errorf("bad URL: dialog lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(strings.SplitN(got, "Подробнее", 2)[0], "is not") {
		t.Errorf("English before «Подробнее»:\n%s", got)
	}
	if after := u.bridge.Config(); after.TQMURL != before.TQMURL || after.NgrokDomain != before.NgrokDomain {
		t.Errorf("refused settings were saved: %+v", after)
	}
	alertsShot(t, w, "desk-settings-error")
}

// The period dialog says which rule failed and leaves no stale progress;
// both date forms are accepted.
func TestPeriodDialogRules(t *testing.T) {
	r := vmtest.NewReconciler(vmtest.New(t.TempDir(), testURL))
	m := newWindowFor(t, r)
	form := m.newBackfillForm(r)
	for _, tc := range []struct{ from, to, want string }{
		{"01.01.2099", "", "ещё не наступила"},
		{"31.03.2026", "01.03.2026", "должно быть позже"},
		{"март", "", "«март» не распознана"},
	} {
		form.bar.Show()
		form.bar.SetValue(0)
		form.from.SetText(tc.from)
		form.to.SetText(tc.to)
		test.Tap(form.startBtn)
		if !strings.Contains(form.status.Text, tc.want) || form.bar.Visible() {
			t.Errorf("%s–%s: status %q, bar visible %v", tc.from, tc.to, form.status.Text, form.bar.Visible())
		}
	}
	if len(r.Asked()) != 0 {
		t.Fatalf("Mango asked for bad dates: %v", r.Asked())
	}
}

// «Копировать» is disabled without an address; CSV export asks where.
func TestCopyDisabledAndExportAsks(t *testing.T) {
	m, _ := newFakeWindow(t)
	if !m.copyBtn.Disabled() {
		t.Error("Копировать enabled before there is an address")
	}
	m.refresh()
	if m.copyBtn.Disabled() {
		t.Error("Копировать disabled with an address")
	}
	test.Tap(m.copyBtn)
	if !strings.HasPrefix(m.copyBtn.Text, "Скопировано") {
		t.Errorf("no feedback: %q", m.copyBtn.Text)
	}
	w := test.NewTempWindow(t, m.w.Content())
	w.Resize(fyne.NewSize(1240, 690))
	m.w = w
	test.Tap(m.exportBtn)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Экспорт в CSV shows no save dialog")
	}
}

// When the file manager cannot open the data folder, the dialog shows
// the folder's path with «Копировать путь».
func TestOpenFolderFailureShowsPath(t *testing.T) {
	m, f := newFakeWindow(t)
	w := test.NewTempWindow(t, m.w.Content())
	w.Resize(fyne.NewSize(1240, 690))
	m.w = w
	m.actions.Open = func(*url.URL) error { return errors.New(`exec: "xdg-open": executable file not found in $PATH`) }
	test.Tap(m.folderBtn)
	got := topDialog(w)
	if !strings.Contains(got, f.DataDir()) || !strings.Contains(got, "Не удалось открыть папку данных") {
		t.Fatalf("dialog:\n%s", got)
	}
	test.Tap(findButton(t, w.Canvas().Overlays().Top(), "Копировать путь"))
	if got := m.app.Clipboard().Content(); got != f.DataDir() {
		t.Errorf("clipboard %q", got)
	}
}

// Every window and dialog fits 1366×690: its size and its content's
// smallest size, so the bottom button row stays above the taskbar.
func TestEveryWindowFits(t *testing.T) {
	u := deskUI(t)
	m := newMainWindow(u, u.bridge)
	u.main = m
	t.Cleanup(m.stop)
	showSettings(u)
	ed := newMappingEditor(u, u.bridge)
	rules := showRules(u)
	u.showRoadSettings()
	eventually(t, "the road form", func() bool { u.flush(); return u.roadTour.form != nil })
	windows := map[string]fyne.Window{"main": m.w, "settings": u.settingsWin, "mapping": ed.w, "road": u.roadWin}
	if rules != nil {
		windows["rules"] = rules.w
	}
	for name, w := range windows {
		size, min := w.Canvas().Size(), w.Content().MinSize()
		if size.Width > screenFitW || size.Height > screenFitH || min.Width > screenFitW || min.Height > screenFitH {
			t.Errorf("%s: size %v, content min %v; want within %dx%d", name, size, min, screenFitW, screenFitH)
		}
	}
	// The dialogs' content.
	r := vmtest.NewReconciler(vmtest.New(t.TempDir(), testURL))
	if min := m.newBackfillForm(r).content.MinSize(); min.Width > screenFitW || min.Height > screenFitH {
		t.Errorf("period dialog min %v", min)
	}
}

// Settings › Подключение has no last step: its ngrok note says the check
// comes right after saving, not «на последнем шаге» as the wizard's does.
func TestSettingsRoadNgrokNote(t *testing.T) {
	u := deskUI(t)
	u.showRoadSettings()
	eventually(t, "the road form", func() bool { u.flush(); return u.roadTour.form != nil })
	f := u.roadTour.form
	u.onUI(func() { f.set(config.RoadNgrok) })
	u.flush()
	if got, want := f.result.Text, u.tr.T("road.check.ngrok_note_settings"); got != want || strings.Contains(got, "последнем шаге") {
		t.Errorf("settings' ngrok note %q, want %q", got, want)
	}
}

// The mapping editor offers list values by name with TQM's value in
// brackets, and says «Как писать значения для TQM», not «inbound/Inbound».
func TestMappingPlainWords(t *testing.T) {
	u := deskUI(t)
	ed := newMappingEditor(u, u.bridge)
	r := ed.rows["hangupParty"]
	if r.enum == nil || !r.enum.Visible() || r.value.Visible() || r.enum.Selected != "Клиент (client)" {
		t.Fatalf("hangupParty: enum %v visible %v selected %q, entry visible %v", r.enum != nil, r.enum != nil && r.enum.Visible(), r.enum.Selected, r.value.Visible())
	}
	r.enum.SetSelectedIndex(1)
	if c := ed.config(); !slices.ContainsFunc(c.Rules, func(x mapping.Rule) bool { return x.Field == "hangupParty" && x.Const == "operator" }) {
		t.Errorf("choosing «Оператор» did not set the constant: %+v", c.Rules)
	}
	if got := texts(ed.w.Content()); strings.Contains(got, "inbound/Inbound") {
		t.Error("the editor still says inbound/Inbound")
	}
	ed.zone.SetText("Mars/Olympus")
	ed.saveConfig()
	if got := topDialog(ed.w); !strings.Contains(got, "Часовой пояс: часовой пояс не найден") {
		t.Errorf("zone error:\n%s", got)
	}
}
