package ui

// The settings are checked exactly as the wizard checks them: the wizard's
// own field (its normalize, format check and words) for the ngrok domain,
// then the configuration's validation, all in the user's words
// (vm.SettingsProblems).

import (
	"fyne.io/fyne/v2"

	"mangotqm/app/config"
	"mangotqm/ui/vm"
)

// wizardFieldOf finds the wizard's field by its label key.
func wizardFieldOf(labelKey string) (vm.WizardField, bool) {
	for _, st := range vm.WizardSteps() {
		for _, f := range st.Fields {
			if f.LabelKey == labelKey {
				return f, true
			}
		}
	}
	return vm.WizardField{}, false
}

// settingsChecks are the settings' fields that the wizard also asks for;
// demo mode opens no tunnel, so its domain may stay empty.
func settingsChecks(next config.Config, domainText string, demo bool) []vm.FieldCheck {
	var out []vm.FieldCheck
	if f, ok := wizardFieldOf("ui.wizard.ngrok.domain"); ok {
		v := domainText
		if f.Normalize != nil {
			v = f.Normalize(v)
		}
		out = append(out, vm.FieldCheck{LabelKey: f.LabelKey, Value: v, Required: vm.NgrokDomainRequired(next) && !demo,
			Check: f.Check, BadKey: f.BadKey})
	}
	return out
}

// showConfigProblems says what to fix, field by field; the technical
// texts (redacted) are under «Подробнее».
func (u *UI) showConfigProblems(w fyne.Window, headKey string, problems []vm.Problem) {
	lines := make([]string, 0, len(problems))
	detail := ""
	for _, p := range problems {
		lines = append(lines, p.Text(func(k string) string { return u.tr.T(k) }))
		if p.Detail != "" {
			detail += u.redactor.Redact(p.Detail) + "\n"
		}
	}
	u.log.Warn("settings refused", "problems", len(problems), "detail", detail)
	showProblems(u.tr, w, u.tr.T(headKey), lines, detail)
}
