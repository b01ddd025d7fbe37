package vm_test

import (
	"strings"
	"testing"

	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
)

// Item 1: one close rule for the wizard and the main window; never an
// invisible process.
func TestDecideClose(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		last, tray, explained bool
		want                  vm.CloseDecision
	}{
		{"another window stays", false, false, false, vm.CloseDecision{Action: vm.CloseOnly}},
		{"another window stays, tray", false, true, false, vm.CloseDecision{Action: vm.CloseOnly}},
		{"tray, first close", true, true, false, vm.CloseDecision{Action: vm.HideToTray, NoteKey: "ui.close.to_tray"}},
		{"tray, later", true, true, true, vm.CloseDecision{Action: vm.HideToTray}},
		{"no tray, first close", true, false, false, vm.CloseDecision{Action: vm.Quit, NoteKey: "ui.close.quits"}},
		{"no tray, later", true, false, true, vm.CloseDecision{Action: vm.Quit}},
	} {
		got := vm.DecideClose(tc.last, tc.tray, tc.explained)
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		if got.Action == vm.HideToTray && !tc.tray {
			t.Errorf("%s: hidden with no tray to bring it back", tc.name)
		}
		if got.NoteKey != "" && i18n.Table(i18n.RU)[got.NoteKey] == "" {
			t.Errorf("%s: note %s has no Russian text", tc.name, got.NoteKey)
		}
	}
}

// Item 6: a page shows one message; the newest replaces the old.
func TestWizardPageShowsOneMessage(t *testing.T) {
	var p vm.WizardPage
	p.Fail("ui.wizard.bad.vpbx_key", nil)
	if p.Message.Tone != vm.ToneBad {
		t.Fatalf("a format hint: %+v", p.Message)
	}
	p.Checked(vm.CheckResult{Key: "ui.wizard.vpbx.unreachable"})
	if p.Message.Key != "ui.wizard.vpbx.unreachable" || p.Message.Tone != vm.ToneWarn {
		t.Fatalf("after the check: %+v, want only the connection error", p.Message)
	}
	for _, tc := range []struct {
		r    vm.CheckResult
		want vm.Tone
	}{
		{vm.CheckResult{Key: "ui.wizard.vpbx.ok", OK: true}, vm.ToneGood},
		{vm.CheckResult{Key: "ui.wizard.vpbx.wrong_key", Wrong: true}, vm.ToneBad},
		{vm.CheckResult{Key: "ui.wizard.vpbx.unreachable"}, vm.ToneWarn},
	} {
		p.Checked(tc.r)
		if p.Message.Key != tc.r.Key || p.Message.Tone != tc.want {
			t.Errorf("%s: %+v", tc.r.Key, p.Message)
		}
	}
	p.Clear()
	if p.Message.Key != "" {
		t.Error("Clear kept a message")
	}
}

// Item 6: the VPBX hints state exactly the rule the check applies.
func TestWizardHintsStateTheRules(t *testing.T) {
	steps := vm.WizardSteps()
	vpbx := steps[vm.StepIndex(steps, "ui.wizard.mango.title")]
	for _, tc := range []struct {
		field int
		value string
		ok    bool
	}{
		{0, strings.Repeat("a", 15), false},
		{0, strings.Repeat("a", 16), true},
		{0, "abcdefghijklmnopqrstuvwxyz1", true},
		{0, "ABCdef0123456789XYZ", true}, // capitals allowed
		{0, strings.Repeat("a", 64), true},
		{0, strings.Repeat("a", 65), false},
		{0, "abcdefghijklmnop-1", false},
		{0, "абвгдеёжзийклмнопр", false}, // Latin only
		{1, strings.Repeat("A", 16), true},
		{1, strings.Repeat("a", 128), true},
		{1, strings.Repeat("a", 129), false},
		{1, strings.Repeat("a", 15), false},
	} {
		typed := []string{"", ""}
		typed[tc.field] = tc.value
		_, bad := vm.StepValues(vpbx, typed)
		if (bad == "") != tc.ok {
			t.Errorf("field %d %q: bad %q, want ok %v", tc.field, tc.value, bad, tc.ok)
		}
	}
	for _, tc := range []struct{ key, lang, want string }{
		{"ui.wizard.bad.vpbx_key", i18n.RU, "от 16 до 64 латинских букв и цифр, заглавные тоже подходят"},
		{"ui.wizard.bad.vpbx_salt", i18n.RU, "от 16 до 128 латинских букв и цифр, заглавные тоже подходят"},
		{"ui.wizard.bad.vpbx_key", i18n.EN, "16 to 64 Latin letters and digits, capitals allowed"},
		{"ui.wizard.bad.vpbx_salt", i18n.EN, "16 to 128 Latin letters and digits, capitals allowed"},
	} {
		if got := i18n.Table(tc.lang)[tc.key]; !strings.Contains(got, tc.want) {
			t.Errorf("%s (%s) = %q, want it to say %q", tc.key, tc.lang, got, tc.want)
		}
	}
	if strings.Contains(i18n.Table(i18n.RU)["ui.wizard.bad.vpbx_key"], "строчные") {
		t.Error("the hint still says lower-case only")
	}
}

// Item 9: the wizard asks only for what this version uses.
func TestWizardDoesNotAskForTheCalltrackingToken(t *testing.T) {
	for _, st := range vm.WizardSteps() {
		for _, f := range st.Fields {
			if f.Secret == secrets.MangoCTToken {
				t.Fatalf("step %s asks for the calltracking token, which nothing uses", st.TitleKey)
			}
		}
	}
}

// Item 11: one row per step, with whether its keys are stored.
func TestKeyRows(t *testing.T) {
	steps := vm.WizardSteps()
	stored := map[secrets.Name]bool{secrets.TQMKey: true, secrets.MangoVPBXKey: true}
	rows := vm.KeyRows(steps, stored)
	if len(rows) != len(steps) {
		t.Fatalf("%d rows for %d steps", len(rows), len(steps))
	}
	want := map[string]string{
		"ui.wizard.tqm.title":    "ui.keys.state.stored",
		"ui.wizard.mango.title":  "ui.keys.state.missing", // the signing key is not stored
		"ui.wizard.ngrok.title":  "ui.keys.state.missing",
		"ui.wizard.domain.title": "ui.keys.state.setting",
	}
	for i, r := range rows {
		if r.Step != i || r.TitleKey != steps[i].TitleKey {
			t.Errorf("row %d: %+v", i, r)
		}
		if want[r.TitleKey] != r.StateKey {
			t.Errorf("%s: %s, want %s", r.TitleKey, r.StateKey, want[r.TitleKey])
		}
		if i18n.Table(i18n.RU)[r.StateKey] == "" {
			t.Errorf("%s has no Russian text", r.StateKey)
		}
	}
}

// Item 11: a key changed on its own page is not told it will be checked
// «на последнем шаге» — there is none; the wizard's steps keep their note.
func TestWizardStepNoteInChangeKeys(t *testing.T) {
	ru := i18n.Table(i18n.RU)
	for _, st := range vm.WizardSteps() {
		if st.Note(false) != st.NoteKey {
			t.Errorf("%s: the wizard's note is %s, want %s", st.TitleKey, st.Note(false), st.NoteKey)
		}
		if text := ru[st.Note(true)]; text == "" || strings.Contains(text, "последнем шаге") {
			t.Errorf("%s in «Изменить ключи»: %q speaks of a last step", st.TitleKey, text)
		}
	}
}
