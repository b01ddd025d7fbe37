package config

import (
	"strings"
	"testing"

	"mangotqm/assets/i18n"
)

func goodAlerts() Alerts {
	a := DefaultAlerts()
	a.Email, a.EmailTo, a.SMTPHost, a.SMTPPort, a.SMTPUser = true, "admin@office.ru, boss@office.ru", "smtp.yandex.ru", 465, "bridge@office.ru"
	a.SMTPTLS = SMTPTLSOnly
	a.Telegram, a.TelegramChat = true, "-1001234567890"
	return a
}

// Bad input is refused in Russian, naming the field; good input passes.
func TestAlertsValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Alerts)
		field  string // "" = valid
		ru     string // part of the Russian message
	}{
		{name: "good", change: func(*Alerts) {}},
		{name: "channels off, nothing else needed", change: func(a *Alerts) { *a = DefaultAlerts() }},
		{name: "@channel chat", change: func(a *Alerts) { a.TelegramChat = "@office_alerts" }},
		{name: "summary off", change: func(a *Alerts) { a.Summary = SummaryOff }},
		{name: "summary 9:05", change: func(a *Alerts) { a.Summary = "9:05" }},
		{name: "not an e-mail", change: func(a *Alerts) { a.EmailTo = "admin@office.ru, бухгалтерия" }, field: "alert-email",
			ru: "Получатели писем: «бухгалтерия» — не адрес электронной почты"},
		{name: "display name", change: func(a *Alerts) { a.EmailTo = "Admin<admin@office.ru>" }, field: "alert-email"},
		{name: "no recipient", change: func(a *Alerts) { a.EmailTo = " , " }, field: "alert-email", ru: "хотя бы один адрес"},
		{name: "port 0", change: func(a *Alerts) { a.SMTPPort = 0 }, field: "smtp-port", ru: "Порт SMTP-сервера: «0» — не номер порта от 1 до 65535"},
		{name: "port 70000", change: func(a *Alerts) { a.SMTPPort = 70000 }, field: "smtp-port", ru: "от 1 до 65535"},
		{name: "no host", change: func(a *Alerts) { a.SMTPHost = "" }, field: "smtp", ru: "SMTP-сервер: укажите адрес"},
		{name: "host with scheme", change: func(a *Alerts) { a.SMTPHost = "smtp://smtp.yandex.ru" }, field: "smtp"},
		{name: "tls mode", change: func(a *Alerts) { a.SMTPTLS = "ssl" }, field: "smtp-tls", ru: "Шифрование SMTP"},
		{name: "no sender", change: func(a *Alerts) { a.SMTPUser, a.SMTPFrom = "bridge", "" }, field: "smtp-from", ru: "Адрес отправителя"},
		{name: "bad sender", change: func(a *Alerts) { a.SMTPFrom = "bridge" }, field: "smtp-from"},
		{name: "empty chat id", change: func(a *Alerts) { a.TelegramChat = " " }, field: "alert-telegram",
			ru: "Chat id в Telegram: укажите chat id"},
		{name: "bad chat id", change: func(a *Alerts) { a.TelegramChat = "my chat" }, field: "alert-telegram"},
		{name: "bad summary", change: func(a *Alerts) { a.Summary = "25:00" }, field: "alert-summary", ru: "Время ежедневной сводки"},
		{name: "bad Bot API URL", change: func(a *Alerts) { a.TelegramURL = "api.telegram.org" }, field: "telegram-url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := goodAlerts()
			c.change(&a)
			err := a.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			fes := FieldErrors(err)
			if len(fes) != 1 || fes[0].Field != c.field {
				t.Fatalf("errors %v (%d), want one for %s", err, len(fes), c.field)
			}
			ru := fes[0].Message(i18n.RU)
			if !strings.Contains(ru, c.ru) || !strings.HasPrefix(ru, i18n.T(i18n.RU, "alerts.field."+c.field, nil)+": ") {
				t.Fatalf("message %q, want the field's name and %q", ru, c.ru)
			}
			if en := fes[0].Message(i18n.EN); en == ru || strings.Contains(en, "alerts.") {
				t.Fatalf("English message %q", en)
			}
			// Through the whole configuration too (what serve and the
			// window check).
			cfg := Default()
			cfg.Alerts = a
			if got := FieldErrors(cfg.Validate()); len(got) != 1 || got[0].Field != c.field {
				t.Fatalf("Config.Validate: %v", cfg.Validate())
			}
		})
	}
}

// serve's flags set the alert settings for one run.
func TestAlertFlags(t *testing.T) {
	c := Default()
	for _, kv := range [][2]string{{"alert-email", "a@office.ru,b@office.ru"}, {"smtp", "smtp.mail.ru:465"},
		{"smtp-tls", "tls"}, {"smtp-user", "bridge@office.ru"}, {"alert-telegram", "-100777"},
		{"telegram-url", "http://127.0.0.1:9/"}, {"alert-summary", "08:30"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("%s: %v", kv[0], err)
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	a := c.Alerts
	if !a.Email || strings.Join(a.Recipients(), " ") != "a@office.ru b@office.ru" || a.SMTPHost != "smtp.mail.ru" ||
		a.SMTPPort != 465 || a.SMTPTLS != SMTPTLSOnly || a.From() != "bridge@office.ru" || !a.Telegram ||
		a.TelegramChat != "-100777" || a.TelegramURL != "http://127.0.0.1:9" {
		t.Fatalf("%+v", a)
	}
	for s, want := range map[string][2]int{"08:30": {8, 30}, "8:30": {8, 30}, "23:59": {23, 59}, "0:00": {0, 0}} {
		a.Summary = s
		if h, m, ok := a.SummaryAt(); !ok || h != want[0] || m != want[1] {
			t.Fatalf("summary %s: %d:%d %v", s, h, m, ok)
		}
	}
	for _, s := range []string{"24:00", "8:3", "off", "", "08:60"} {
		a.Summary = s
		if _, _, ok := a.SummaryAt(); ok {
			t.Fatalf("summary %q accepted", s)
		}
	}
	if err := c.Set("smtp", "smtp.mail.ru:99999"); err != nil {
		t.Fatal(err)
	}
	if fes := FieldErrors(c.Validate()); len(fes) != 1 || fes[0].Field != "smtp-port" {
		t.Fatalf("port out of range: %v", c.Validate())
	}
	if err := c.Set("smtp", "smtp.mail.ru"); len(FieldErrors(err)) != 1 {
		t.Fatalf("no port: %v", err)
	}
	if err := c.Set("alert-telegram", ""); err != nil {
		t.Fatal(err)
	}
	if fes := FieldErrors(c.Validate()); len(fes) != 2 || fes[1].Field != "alert-telegram" {
		t.Fatalf("empty chat id: %v", c.Validate())
	}
	_ = c.Set("alert-telegram", Off)
	_ = c.Set("smtp", "smtp.mail.ru:587")
	if err := c.Validate(); err != nil || c.Alerts.Telegram {
		t.Fatalf("off: %v %+v", err, c.Alerts)
	}
}
