package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/alerts"
	"mangotqm/app/config"
	"mangotqm/ui/vm"
)

// settingsTabs puts the settings window's pages in tabs: the general one
// and «Оповещения».
func (u *UI) settingsTabs(w fyne.Window, general fyne.CanvasObject) fyne.CanvasObject {
	return container.NewAppTabs(
		container.NewTabItem(u.tr.T("ui.settings.tab_general"), general),
		container.NewTabItem(u.tr.T("ui.alerts.tab"), container.NewVScroll(u.alertsPage(w))),
	)
}

// alertsPage is the object tree of the «Оповещения» tab.
type alertsPage struct {
	email, telegram, summary    *widget.Check
	to, host, port, user, from  *widget.Entry
	password, token, chat, at   *widget.Entry
	tls                         *widget.Select
	testEmail, testTG, save     *widget.Button
	emailState, tgState, result *widget.Label
	pending                     *widget.Label
	box                         *fyne.Container
}

var tlsChoices = []config.SMTPTLS{config.SMTPStartTLS, config.SMTPTLSOnly, config.SMTPNone}

// alertsPage: e-mail and Telegram channels, a test button each, the daily
// summary, and «Сохранить оповещения».
func (u *UI) alertsPage(w fyne.Window) fyne.CanvasObject { return u.newAlertsPage(w).box }

func (u *UI) newAlertsPage(_ fyne.Window) *alertsPage {
	p := &alertsPage{}
	intro := widget.NewLabel(u.tr.T("ui.alerts.intro"))
	intro.Wrapping = fyne.TextWrapWord
	title := widget.NewLabelWithStyle(u.tr.T("ui.alerts.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	ab, ok := u.bridge.(vm.AlertsBackend)
	if !ok { // demo mode: nothing is sent anywhere
		p.box = container.NewVBox(title, intro)
		return p
	}
	m := vm.NewAlertsVM(ab, u.tr.Lang)
	f := m.Form(context.Background())

	p.email = widget.NewCheck(u.tr.T("ui.alerts.email"), nil)
	p.email.SetChecked(f.Email)
	p.to, p.host, p.port, p.user, p.from = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	p.to.SetText(f.To)
	p.to.SetPlaceHolder("admin@example.ru, boss@example.ru")
	p.host.SetText(f.Host)
	p.host.SetPlaceHolder("smtp.yandex.ru")
	p.port.SetText(f.Port)
	p.user.SetText(f.User)
	p.from.SetText(f.From)
	p.password = widget.NewPasswordEntry()
	if f.PasswordSaved {
		p.password.SetPlaceHolder(u.tr.T("ui.alerts.password_saved"))
	}
	labels := make([]string, len(tlsChoices))
	for i, c := range tlsChoices {
		labels[i] = u.tr.T("ui.alerts.tls." + string(c))
	}
	p.tls = widget.NewSelect(labels, nil)
	for i, c := range tlsChoices {
		if c == f.TLS {
			p.tls.SetSelectedIndex(i)
		}
	}
	emailForm := widget.NewForm(
		widget.NewFormItem(u.tr.T("ui.alerts.to"), p.to),
		widget.NewFormItem(u.tr.T("ui.alerts.host"), p.host),
		widget.NewFormItem(u.tr.T("ui.alerts.port"), p.port),
		widget.NewFormItem(u.tr.T("ui.alerts.tls"), widen(p.tls)),
		widget.NewFormItem(u.tr.T("ui.alerts.user"), p.user),
		widget.NewFormItem(u.tr.T("ui.alerts.password"), p.password),
		widget.NewFormItem(u.tr.T("ui.alerts.from"), p.from),
	)

	p.telegram = widget.NewCheck(u.tr.T("ui.alerts.telegram"), nil)
	p.telegram.SetChecked(f.Telegram)
	p.token, p.chat = widget.NewPasswordEntry(), widget.NewEntry()
	if f.TokenSaved {
		p.token.SetPlaceHolder(u.tr.T("ui.alerts.password_saved"))
	}
	p.chat.SetText(f.Chat)
	p.chat.SetPlaceHolder("-1001234567890")
	tgForm := widget.NewForm(
		widget.NewFormItem(u.tr.T("ui.alerts.token"), p.token),
		widget.NewFormItem(u.tr.T("ui.alerts.chat"), p.chat),
	)

	p.summary = widget.NewCheck(u.tr.T("ui.alerts.summary_on"), nil)
	p.summary.SetChecked(f.Summary)
	p.at = widget.NewEntry()
	p.at.SetText(f.SummaryAt)

	form := func() vm.AlertsForm {
		out := vm.AlertsForm{Email: p.email.Checked, To: p.to.Text, Host: p.host.Text, Port: p.port.Text,
			User: p.user.Text, Password: p.password.Text, From: p.from.Text, Telegram: p.telegram.Checked,
			Token: p.token.Text, Chat: p.chat.Text, Summary: p.summary.Checked, SummaryAt: p.at.Text, TLS: config.SMTPStartTLS}
		if i := p.tls.SelectedIndex(); i >= 0 {
			out.TLS = tlsChoices[i]
		}
		return out
	}
	state := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	p.emailState, p.tgState, p.result, p.pending = state(), state(), state(), state()
	p.pending.Importance = widget.LowImportance
	showPending := func() { p.pending.SetText(m.Pending(context.Background())) }
	showPending()
	test := func(b *widget.Button, l *widget.Label, channel string) func() {
		return func() {
			b.Disable()
			l.Importance = widget.MediumImportance
			l.SetText(u.tr.T("ui.alerts.test_sending"))
			fm := form()
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				msg, ok := m.Test(ctx, fm, channel)
				cancel()
				u.onUI(func() {
					b.Enable()
					l.Importance = widget.SuccessImportance
					if !ok {
						l.Importance = widget.DangerImportance
					}
					l.SetText(msg)
					p.box.Refresh()
				})
			}()
		}
	}
	p.testEmail = widget.NewButton(u.tr.T("ui.alerts.test_email"), nil)
	p.testEmail.OnTapped = test(p.testEmail, p.emailState, alerts.ChannelEmail)
	p.testTG = widget.NewButton(u.tr.T("ui.alerts.test_telegram"), nil)
	p.testTG.OnTapped = test(p.testTG, p.tgState, alerts.ChannelTelegram)
	p.save = widget.NewButton(u.tr.T("ui.alerts.save"), func() {
		msg, ok := m.Save(context.Background(), form())
		p.result.Importance = widget.SuccessImportance
		if !ok {
			p.result.Importance = widget.DangerImportance
		} else {
			saved := m.Form(context.Background())
			for _, e := range []struct {
				entry *widget.Entry
				kept  bool
			}{{p.password, saved.PasswordSaved}, {p.token, saved.TokenSaved}} {
				e.entry.SetText("")
				if e.kept {
					e.entry.SetPlaceHolder(u.tr.T("ui.alerts.password_saved"))
				}
			}
		}
		p.result.SetText(msg)
		showPending()
		p.box.Refresh()
	})
	p.save.Importance = widget.HighImportance
	p.box = container.NewVBox(title, intro,
		widget.NewSeparator(), p.email, emailForm, container.NewHBox(p.testEmail), p.emailState,
		widget.NewSeparator(), p.telegram, tgForm, container.NewHBox(p.testTG), p.tgState,
		widget.NewSeparator(), widget.NewLabelWithStyle(u.tr.T("ui.alerts.summary"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, p.summary, nil, container.New(minWidth(80), p.at)),
		p.pending,
		widget.NewSeparator(), container.NewHBox(p.save), p.result,
	)
	return p
}

// tourAlertsTab shows the settings window's «Оповещения» tab (the
// screenshot tour).
func (u *UI) tourAlertsTab() error {
	var find func(o fyne.CanvasObject) *container.AppTabs
	find = func(o fyne.CanvasObject) *container.AppTabs {
		switch x := o.(type) {
		case *container.AppTabs:
			return x
		case *fyne.Container:
			for _, c := range x.Objects {
				if t := find(c); t != nil {
					return t
				}
			}
		}
		return nil
	}
	tabs := find(u.settingsWin.Content())
	if tabs == nil || len(tabs.Items) < 2 {
		return errors.New("the settings window has no alerts tab")
	}
	tabs.SelectIndex(1)
	u.settingsWin.Resize(fitScreen(fyne.NewSize(780, 690)))
	return nil
}
