package vm

import (
	"context"
	"strconv"
	"strings"

	"mangotqm/app/alerts"
	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
)

// AlertsBackend is what the «Оповещения» page needs (*bridge.Bridge).
type AlertsBackend interface {
	Config() config.Config
	SetAlerts(ctx context.Context, a config.Alerts, password, token *string) error
	TestAlert(ctx context.Context, a config.Alerts, channel, password, token string) error
	HasAlertSecret(ctx context.Context, n secrets.Name) bool
	AlertStatus(ctx context.Context) (bridge.AlertStatus, error)
}

var _ AlertsBackend = (*bridge.Bridge)(nil)

// AlertsForm is the page's fields as typed.
type AlertsForm struct {
	Email                     bool
	To, Host, Port            string
	TLS                       config.SMTPTLS
	User, Password, From      string
	Telegram                  bool
	Token, Chat               string
	Summary                   bool
	SummaryAt                 string
	PasswordSaved, TokenSaved bool // a password / token is in the keychain
}

// AlertsVM is the page's logic.
type AlertsVM struct {
	b    AlertsBackend
	lang string
}

// NewAlertsVM renders messages in lang.
func NewAlertsVM(b AlertsBackend, lang string) *AlertsVM { return &AlertsVM{b: b, lang: lang} }

// Form is the saved settings as the page shows them.
func (v *AlertsVM) Form(ctx context.Context) AlertsForm {
	a := v.b.Config().Alerts
	f := AlertsForm{Email: a.Email, To: a.EmailTo, Host: a.SMTPHost, Port: strconv.Itoa(a.SMTPPort), TLS: a.SMTPTLS,
		User: a.SMTPUser, From: a.SMTPFrom, Telegram: a.Telegram, Chat: a.TelegramChat, Summary: a.Summary != config.SummaryOff,
		SummaryAt: a.Summary}
	if !f.Summary {
		f.SummaryAt = config.DefaultSummary
	}
	f.PasswordSaved = v.b.HasAlertSecret(ctx, secrets.SMTPPassword)
	f.TokenSaved = v.b.HasAlertSecret(ctx, secrets.TelegramToken)
	return f
}

// Settings turns the form into settings; problems name their field, in
// the page's language (one per line).
func (v *AlertsVM) Settings(f AlertsForm) (config.Alerts, string) {
	a, fes := v.parse(f)
	return a, v.render(fes)
}

func (v *AlertsVM) render(fes []*config.FieldError) string {
	lines := make([]string, len(fes))
	for i, fe := range fes {
		lines[i] = fe.Message(v.lang)
	}
	return strings.Join(lines, "\n")
}

func (v *AlertsVM) parse(f AlertsForm) (config.Alerts, []*config.FieldError) {
	a := v.b.Config().Alerts
	a.Email, a.EmailTo = f.Email, strings.Join(config.SplitAddresses(f.To), ", ")
	a.SMTPHost, a.SMTPTLS = strings.TrimSpace(f.Host), f.TLS
	a.SMTPUser, a.SMTPFrom = strings.TrimSpace(f.User), strings.TrimSpace(f.From)
	a.Telegram, a.TelegramChat = f.Telegram, strings.TrimSpace(f.Chat)
	a.Summary = config.SummaryOff
	if f.Summary {
		a.Summary = strings.TrimSpace(f.SummaryAt)
	}
	var fes []*config.FieldError
	port, err := strconv.Atoi(strings.TrimSpace(f.Port))
	if err != nil {
		fes = append(fes, &config.FieldError{Field: "smtp-port", Key: "alerts.err.port", Data: map[string]any{"Value": f.Port}})
		port = config.DefaultSMTPPort
	}
	a.SMTPPort = port
	return a, append(fes, config.FieldErrors(a.Validate())...)
}

// Save checks and saves the form (the password and token only when
// typed); msg says what happened, in the page's language.
func (v *AlertsVM) Save(ctx context.Context, f AlertsForm) (msg string, ok bool) {
	a, problems := v.Settings(f)
	if problems != "" {
		return i18n.T(v.lang, "ui.alerts.invalid", nil) + "\n" + problems, false
	}
	var pw, tok *string
	if strings.TrimSpace(f.Password) != "" {
		pw = &f.Password
	}
	if strings.TrimSpace(f.Token) != "" {
		tok = &f.Token
	}
	if err := v.b.SetAlerts(ctx, a, pw, tok); err != nil {
		if fes := config.FieldErrors(err); len(fes) > 0 {
			lines := []string{i18n.T(v.lang, "ui.alerts.invalid", nil)}
			for _, fe := range fes {
				lines = append(lines, fe.Message(v.lang))
			}
			return strings.Join(lines, "\n"), false
		}
		return i18n.T(v.lang, "ui.error.settings", nil) + ": " + err.Error(), false
	}
	return i18n.T(v.lang, "ui.alerts.saved", nil), true
}

// Test sends a test message through one channel (alerts.ChannelEmail or
// alerts.ChannelTelegram) with the form's values, whether or not the
// channel is switched on; only that channel's fields must be right. The
// failure is explained in the page's language.
func (v *AlertsVM) Test(ctx context.Context, f AlertsForm, channel string) (msg string, ok bool) {
	if channel == alerts.ChannelEmail {
		f.Email = true
	} else {
		f.Telegram = true
	}
	a, fes := v.parse(f)
	var own []*config.FieldError
	for _, fe := range fes {
		if channelField(channel, fe.Field) {
			own = append(own, fe)
		}
	}
	if len(own) > 0 {
		return v.render(own), false
	}
	if err := v.b.TestAlert(ctx, a, channel, f.Password, f.Token); err != nil {
		return alerts.Explain(v.lang, err), false
	}
	return i18n.T(v.lang, "ui.alerts.test_ok", nil), true
}

func channelField(channel, field string) bool {
	if channel == alerts.ChannelTelegram {
		return field == "alert-telegram" || field == "telegram-url"
	}
	return strings.HasPrefix(field, "smtp") || field == "alert-email"
}

// Pending is "Ждут отправки: N" when messages wait ("" when none).
func (v *AlertsVM) Pending(ctx context.Context) string {
	st, err := v.b.AlertStatus(ctx)
	if err != nil {
		return ""
	}
	n := 0
	for _, c := range st.Pending {
		n += c
	}
	if n == 0 {
		return ""
	}
	line := i18n.T(v.lang, "ui.alerts.pending", map[string]any{"N": n})
	for _, ch := range []string{alerts.ChannelEmail, alerts.ChannelTelegram} {
		if e := st.LastError[ch]; e != "" {
			line += "\n" + i18n.T(v.lang, "alerts.channel."+ch, nil) + ": " + e
		}
	}
	return line
}
