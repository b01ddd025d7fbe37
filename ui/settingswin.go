package ui

import (
	"context"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/autostart"
	"mangotqm/app/config"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
)

// showSettings: language, start at login, notifications, ngrok and TQM.
func showSettings(u *UI) {
	w := u.app.NewWindow(u.tr.T("ui.settings.title"))
	langKeys := []string{i18n.RU, i18n.EN}
	lang := widget.NewSelect([]string{u.tr.T("ui.lang.ru"), u.tr.T("ui.lang.en")}, nil)
	if u.tr.Lang == i18n.EN {
		lang.SetSelectedIndex(1)
	} else {
		lang.SetSelectedIndex(0)
	}
	cfg := u.bridge.Config()
	exe, _ := os.Executable()
	entry := autostart.Entry{Name: "mangotqm", Exec: exe}
	on, _ := autostart.Enabled(entry, "")
	login := widget.NewCheck(u.tr.T("ui.settings.autostart"), nil)
	login.SetChecked(on)
	muted := widget.NewCheck(u.tr.T("ui.settings.muted"), nil)
	muted.SetChecked(u.settings.Muted())
	minimized := widget.NewCheck(u.tr.T("ui.settings.start_minimized"), nil)
	minimized.SetChecked(u.settings.StartMinimized())
	domain := widget.NewEntry()
	domain.SetText(cfg.NgrokDomain)
	tqmURL := widget.NewEntry()
	tqmURL.SetText(cfg.TQMURL)
	api := widget.NewSelect([]string{string(config.TQMv2), string(config.TQMv1)}, nil)
	sourceKeys := config.AllSources
	sourceLabels := make([]string, len(sourceKeys))
	for i, k := range sourceKeys {
		sourceLabels[i] = u.tr.T("ui.settings.sources." + string(k))
	}
	sources := widget.NewSelect(sourceLabels, nil)
	for i, k := range sourceKeys {
		if k == cfg.Sources {
			sources.SetSelectedIndex(i)
		}
	}
	audioKeys := config.AudioModes
	audioLabels := make([]string, len(audioKeys))
	for i, k := range audioKeys {
		audioLabels[i] = u.tr.T("ui.settings.audio." + string(k))
	}
	audioSel := widget.NewSelect(audioLabels, nil)
	for i, k := range audioKeys {
		if k == cfg.Audio {
			audioSel.SetSelectedIndex(i)
		}
	}
	api.SetSelected(string(cfg.TQMAPI))
	reconcileSel, reconcileEvery := reconcileSelect(u.tr, time.Duration(cfg.ReconcileEvery))
	form := widget.NewForm(
		widget.NewFormItem(u.tr.T("ui.settings.language"), lang),
		widget.NewFormItem("", login),
		widget.NewFormItem("", muted),
		widget.NewFormItem("", minimized),
		widget.NewFormItem(u.tr.T("ui.wizard.ngrok.domain"), domain),
		widget.NewFormItem(u.tr.T("ui.settings.tqm_url"), tqmURL),
		widget.NewFormItem(u.tr.T("ui.settings.tqm_api"), api),
		widget.NewFormItem(u.tr.T("ui.settings.sources"), widen(sources)),
		widget.NewFormItem(u.tr.T("ui.settings.audio"), widen(audioSel)),
		widget.NewFormItem(u.tr.T("ui.settings.reconcile"), widen(reconcileSel)),
	)
	keys := widget.NewButton(u.tr.T("ui.settings.change_keys"), func() {
		kw := u.app.NewWindow(u.tr.T("ui.app.title"))
		u.showWizard(kw)
		kw.Show()
	})
	save := widget.NewButton(u.tr.T("ui.action.save"), func() {
		next := u.bridge.Config()
		next.NgrokDomain = config.NormalizeDomain(domain.Text)
		next.TQMURL = strings.TrimSpace(tqmURL.Text)
		next.TQMAPI = config.TQMAPI(api.Selected)
		if i := sources.SelectedIndex(); i >= 0 {
			next.Sources = sourceKeys[i]
		}
		if i := audioSel.SelectedIndex(); i >= 0 {
			next.Audio = audioKeys[i]
		}
		next.ReconcileEvery = config.Duration(reconcileEvery())
		if p := vm.SettingsProblems(next, settingsChecks(next, domain.Text, u.demo)); len(p) > 0 {
			u.showConfigProblems(w, "desk.settings.problems", p) // settings_check.go: as the wizard checks
			return
		}
		if err := u.bridge.SetConfig(context.Background(), next); err != nil {
			if p := vm.ConfigProblems(err); len(p) > 0 && p[0].FieldKey != "" {
				u.showConfigProblems(w, "desk.settings.problems", p)
				return
			}
			u.showError(w, "ui.error.settings", err)
			return
		}
		u.setMuted(muted.Checked)
		u.settings.SetStartMinimized(minimized.Checked)
		if err := autostart.Set(entry, "", login.Checked); err != nil {
			u.showError(w, "ui.error.autostart", err)
			return
		}
		msg := u.tr.T("ui.settings.applied")
		if i := lang.SelectedIndex(); i >= 0 && langKeys[i] != u.tr.Lang {
			u.settings.SetLanguage(langKeys[i])
			msg += "\n" + u.tr.T("ui.settings.restart_lang")
		}
		dialog.ShowInformation(u.tr.T("ui.settings.title"), msg, w)
	})
	save.Importance = widget.HighImportance
	var top fyne.CanvasObject
	if u.demo {
		keys.Disable()
		// Demo mode says plainly what it talks to.
		note := widget.NewLabel(u.tr.T("ui.settings.demo_note", map[string]any{"TQM": cfg.TQMURL}))
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		top = note
	}
	if !u.trayAvailable() {
		minimized.SetText(u.tr.T("ui.settings.start_minimized") + " " + u.tr.T("ui.settings.no_tray"))
	}
	u.settingsWin = w
	body := container.NewVBox(form, widget.NewSeparator(), u.backupSection(w))
	rules := widget.NewButton(u.tr.T("rules.open"), func() { showRules(u) })
	w.SetContent(container.NewBorder(top, nil, nil, nil, u.settingsTabs(w, container.NewBorder(nil, container.NewHBox(save, keys, u.roadButton(), rules), nil, nil, container.NewVScroll(body)))))
	w.Resize(fyne.NewSize(760, 520))
	w.Show()
}
