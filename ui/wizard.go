package ui

import (
	"context"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
)

// wizardStep asks for one group of settings.
type wizardStep struct {
	titleKey string
	helpKey  string // where to find it, step by step
	fields   []wizardField
}

type wizardField struct {
	labelKey string
	secret   secrets.Name // "" for a plain setting
	setting  func(*Settings, string)
	check    func(string) bool // a format check: no API offers a live check we could call offline
	badKey   string
	optional bool
	plain    bool // not a secret: shown in clear
}

var (
	reToken  = regexp.MustCompile(`^[A-Za-z0-9_\-]{20,200}$`)
	reVPBX   = regexp.MustCompile(`^[a-z0-9]{16,64}$`)
	reSalt   = regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)
	reKey    = regexp.MustCompile(`^\S{8,512}$`)
	reDomain = regexp.MustCompile(`^(https://)?[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+/?$`)
)

func wizardSteps() []wizardStep {
	return []wizardStep{
		{titleKey: "ui.wizard.tqm.title", helpKey: "ui.wizard.tqm.help", fields: []wizardField{
			{labelKey: "ui.wizard.tqm.key", secret: secrets.TQMKey, check: reKey.MatchString, badKey: "ui.wizard.bad.key"},
		}},
		{titleKey: "ui.wizard.mango.title", helpKey: "ui.wizard.mango.help", fields: []wizardField{
			{labelKey: "ui.wizard.mango.vpbx_key", secret: secrets.MangoVPBXKey, check: reVPBX.MatchString, badKey: "ui.wizard.bad.vpbx_key", optional: true},
			{labelKey: "ui.wizard.mango.vpbx_salt", secret: secrets.MangoVPBXSalt, check: reSalt.MatchString, badKey: "ui.wizard.bad.vpbx_salt", optional: true},
			{labelKey: "ui.wizard.mango.ct_token", secret: secrets.MangoCTToken, check: reKey.MatchString, badKey: "ui.wizard.bad.key", optional: true},
		}},
		{titleKey: "ui.wizard.ngrok.title", helpKey: "ui.wizard.ngrok.help", fields: []wizardField{
			{labelKey: "ui.wizard.ngrok.token", secret: secrets.NgrokAuthtoken, check: reToken.MatchString, badKey: "ui.wizard.bad.ngrok_token"},
			{labelKey: "ui.wizard.ngrok.domain", setting: (*Settings).SetNgrokDomain, check: reDomain.MatchString,
				badKey: "ui.wizard.bad.domain", plain: true},
		}},
	}
}

// showWizard walks a first-time user through the secrets, one step at a
// time, then starts the bridge; the main window then shows the webhook URL
// with Copy and the exact Mango menu path.
func (u *UI) showWizard(w fyne.Window) {
	steps := wizardSteps()
	var show func(i int)
	show = func(i int) {
		st := steps[i]
		title := widget.NewLabelWithStyle(u.tr.T("ui.wizard.step", map[string]any{"N": i + 1, "Of": len(steps)})+" — "+
			u.tr.T(st.titleKey), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		help := widget.NewLabel(u.tr.T(st.helpKey))
		help.Wrapping = fyne.TextWrapWord
		status := widget.NewLabel("")
		status.Wrapping = fyne.TextWrapWord
		form := widget.NewForm()
		entries := make([]*widget.Entry, len(st.fields))
		for j, f := range st.fields {
			var e *widget.Entry
			if f.plain {
				e = widget.NewEntry()
				if f.setting != nil {
					e.SetText(u.settings.NgrokDomain())
				}
			} else {
				e = widget.NewPasswordEntry() // never shown in clear after entry
				e.SetPlaceHolder(u.tr.T("ui.wizard.placeholder_secret"))
			}
			entries[j] = e
			form.Append(u.tr.T(f.labelKey), e)
		}
		next := widget.NewButton(u.tr.T("ui.wizard.next"), nil)
		next.Importance = widget.HighImportance
		if i == len(steps)-1 {
			next.SetText(u.tr.T("ui.wizard.finish"))
		}
		next.OnTapped = func() {
			values := make([]string, len(entries))
			for j, e := range entries {
				values[j] = strings.TrimSpace(e.Text)
				f := st.fields[j]
				if values[j] == "" && (f.optional || (!f.plain && u.hasSecret(f.secret))) {
					continue // keep what is stored / optional
				}
				if !f.check(values[j]) {
					status.SetText(u.tr.T(f.badKey))
					status.Importance = widget.DangerImportance
					status.Refresh()
					return
				}
			}
			next.Disable()
			status.SetText(u.tr.T("ui.wizard.saving"))
			go func() {
				err := u.saveStep(st, values)
				fyne.Do(func() {
					next.Enable()
					if err != nil {
						status.SetText(u.tr.T("ui.wizard.save_failed", map[string]any{"Error": err.Error()}))
						status.Importance = widget.DangerImportance
						status.Refresh()
						return
					}
					if i+1 < len(steps) {
						show(i + 1)
						return
					}
					w.Close()
					if u.core != nil { // keys changed while running
						dialog.ShowInformation(u.tr.T("ui.settings.title"), u.tr.T("ui.settings.restart"), u.main.w)
						return
					}
					u.startBridge()
				})
			}()
		}
		buttons := container.NewHBox(next)
		if i > 0 {
			buttons.Objects = append([]fyne.CanvasObject{widget.NewButton(u.tr.T("ui.wizard.back"), func() { show(i - 1) })},
				buttons.Objects...)
		}
		w.SetContent(container.NewBorder(container.NewVBox(title, help), container.NewVBox(status, buttons), nil, nil,
			container.NewVScroll(form)))
	}
	w.Resize(fyne.NewSize(720, 520))
	show(0)
}

func (u *UI) hasSecret(n secrets.Name) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := u.keychain.Get(ctx, n)
	return err == nil
}

func (u *UI) saveStep(st wizardStep, values []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for j, f := range st.fields {
		v := values[j]
		if v == "" {
			continue
		}
		if f.setting != nil {
			f.setting(u.settings, v)
			continue
		}
		if err := u.keychain.Set(ctx, f.secret, v); err != nil {
			return err
		}
		u.redactor.Add(v)
	}
	return nil
}
