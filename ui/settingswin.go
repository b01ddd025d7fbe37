package ui

import (
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/autostart"
	"mangotqm/app/core"
)

// showSettings: language, start at login, notifications, ngrok and TQM.
func showSettings(u *UI) {
	w := u.app.NewWindow(u.tr.T("ui.settings.title"))
	lang := widget.NewSelect([]string{"ru", "en"}, nil)
	lang.SetSelected(u.tr.Lang)
	exe, _ := os.Executable()
	entry := autostart.Entry{Name: "mangotqm", Exec: exe}
	on, _ := autostart.Enabled(entry, "")
	login := widget.NewCheck(u.tr.T("ui.settings.autostart"), nil)
	login.SetChecked(on)
	muted := widget.NewCheck(u.tr.T("ui.settings.muted"), nil)
	muted.SetChecked(u.settings.Muted())
	domain := widget.NewEntry()
	domain.SetText(u.settings.NgrokDomain())
	tqmURL := widget.NewEntry()
	tqmURL.SetText(u.settings.TQMURL())
	api := widget.NewSelect([]string{"v2", "v1"}, nil)
	sourceKeys := []string{core.SourcesCalltracking, core.SourcesVPBX, core.SourcesBoth}
	sourceLabels := make([]string, len(sourceKeys))
	for i, k := range sourceKeys {
		sourceLabels[i] = u.tr.T("ui.settings.sources." + k)
	}
	sources := widget.NewSelect(sourceLabels, nil)
	for i, k := range sourceKeys {
		if k == u.settings.Sources() {
			sources.SetSelectedIndex(i)
		}
	}
	audioKeys := []string{core.AudioUpload, core.AudioLink, core.AudioPassthrough}
	audioLabels := make([]string, len(audioKeys))
	for i, k := range audioKeys {
		audioLabels[i] = u.tr.T("ui.settings.audio." + k)
	}
	audioSel := widget.NewSelect(audioLabels, nil)
	for i, k := range audioKeys {
		if k == u.settings.Audio() {
			audioSel.SetSelectedIndex(i)
		}
	}
	api.SetSelected(u.settings.TQMAPI())
	form := widget.NewForm(
		widget.NewFormItem(u.tr.T("ui.settings.language"), lang),
		widget.NewFormItem("", login),
		widget.NewFormItem("", muted),
		widget.NewFormItem(u.tr.T("ui.wizard.ngrok.domain"), domain),
		widget.NewFormItem(u.tr.T("ui.settings.tqm_url"), tqmURL),
		widget.NewFormItem(u.tr.T("ui.settings.tqm_api"), api),
		widget.NewFormItem(u.tr.T("ui.settings.sources"), sources),
		widget.NewFormItem(u.tr.T("ui.settings.audio"), audioSel),
	)
	keys := widget.NewButton(u.tr.T("ui.settings.change_keys"), func() {
		kw := u.app.NewWindow(u.tr.T("ui.app.title"))
		u.showWizard(kw)
		kw.Show()
	})
	save := widget.NewButton(u.tr.T("ui.action.save"), func() {
		u.settings.SetLanguage(lang.Selected)
		u.setMuted(muted.Checked)
		u.settings.SetNgrokDomain(domain.Text)
		u.settings.SetTQMURL(tqmURL.Text)
		u.settings.SetTQMAPI(api.Selected)
		if i := sources.SelectedIndex(); i >= 0 {
			u.settings.SetSources(sourceKeys[i])
		}
		if i := audioSel.SelectedIndex(); i >= 0 {
			u.settings.SetAudio(audioKeys[i])
		}
		if err := autostart.Set(entry, "", login.Checked); err != nil {
			u.showError(w, "ui.error.autostart", err)
			return
		}
		dialog.ShowInformation(u.tr.T("ui.settings.title"), u.tr.T("ui.settings.saved"), w)
	})
	save.Importance = widget.HighImportance
	if u.demo {
		keys.Disable()
	}
	w.SetContent(container.NewBorder(nil, container.NewHBox(save, keys), nil, nil, form))
	w.Resize(fyne.NewSize(640, 420))
	w.Show()
}
