package vm

import (
	"mangotqm/app/secrets"
)

// PageMessage is the one message a wizard page shows under its fields: a
// format hint, «Сохраняю…», or the result of the live check. A page has one
// slot, so a new message replaces the old one — a stale red format hint
// never stays beside a new connection error (issue 20, item 6).
type PageMessage struct {
	Key  string // i18n key; "" = no message
	Data map[string]any
	Tone Tone
}

// WizardPage holds a page's message slot.
type WizardPage struct{ Message PageMessage }

// Fail shows a problem with what was typed (the values must change).
func (p *WizardPage) Fail(key string, data map[string]any) {
	p.Message = PageMessage{Key: key, Data: data, Tone: ToneBad}
}

// Info shows progress («Сохраняю…», «Проверяю…»).
func (p *WizardPage) Info(key string, data map[string]any) {
	p.Message = PageMessage{Key: key, Data: data, Tone: ToneNeutral}
}

// Checked shows the live check's result: green when Mango accepted the
// values, red when it rejected them, orange when it could not be asked.
func (p *WizardPage) Checked(r CheckResult) {
	t := ToneWarn
	switch {
	case r.OK:
		t = ToneGood
	case r.Wrong:
		t = ToneBad
	}
	p.Message = PageMessage{Key: r.Key, Data: r.Data, Tone: t}
}

// Clear empties the slot.
func (p *WizardPage) Clear() { p.Message = PageMessage{} }

// KeyRow is one line of «Изменить ключи…»: a step's title and whether its
// values are stored. Each row opens just its step.
type KeyRow struct {
	Step     int    // index into the steps
	TitleKey string // the step's title
	StateKey string // «сохранён» / «не задан» / «настройка»
}

// KeyRows lists the steps «Изменить ключи…» offers, one row each, with
// whether their secrets are stored. No step numbers: one key is changed
// at a time (issue 20, item 11).
func KeyRows(steps []WizardStep, stored map[secrets.Name]bool) []KeyRow {
	out := make([]KeyRow, 0, len(steps))
	for i, st := range steps {
		state := "ui.keys.state.stored"
		for _, f := range st.Fields {
			switch {
			case f.Plain():
				state = "ui.keys.state.setting"
			case !stored[f.Secret]:
				state = "ui.keys.state.missing"
			}
		}
		out = append(out, KeyRow{Step: i, TitleKey: st.TitleKey, StateKey: state})
	}
	return out
}

// CloseAction is what closing a window does.
type CloseAction int

const (
	// CloseOnly closes the window: another window of the app stays shown.
	CloseOnly CloseAction = iota
	// HideToTray hides it: the app goes on in the tray.
	HideToTray
	// Quit ends the app (it drains deliveries first).
	Quit
)

// CloseDecision is what a close does and the explanation to show first
// ("" = none).
type CloseDecision struct {
	Action  CloseAction
	NoteKey string
}

// DecideClose: the same rule for the main window and the wizard, so that
// no invisible process is left (issue 20, item 1). Closing a window while
// another stays shown just closes it. Closing the last one hides it to the
// tray where a tray exists — the first time saying where the app went —
// and quits where none exists, the first time explaining why.
func DecideClose(last, tray, explained bool) CloseDecision {
	switch {
	case !last:
		return CloseDecision{Action: CloseOnly}
	case tray && !explained:
		return CloseDecision{Action: HideToTray, NoteKey: "ui.close.to_tray"}
	case tray:
		return CloseDecision{Action: HideToTray}
	case !explained:
		return CloseDecision{Action: Quit, NoteKey: "ui.close.quits"}
	default:
		return CloseDecision{Action: Quit}
	}
}
