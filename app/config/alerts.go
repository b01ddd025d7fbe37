package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"mangotqm/assets/i18n"
)

// SMTPTLS is how the connection to the SMTP server is protected.
type SMTPTLS string

// SMTP TLS modes.
const (
	SMTPNone     SMTPTLS = "none"     // plain text (a server inside the office)
	SMTPStartTLS SMTPTLS = "starttls" // STARTTLS, usually port 587
	SMTPTLSOnly  SMTPTLS = "tls"      // implicit TLS, usually port 465
)

// SMTPTLSModes lists the modes in display order.
var SMTPTLSModes = []SMTPTLS{SMTPStartTLS, SMTPTLSOnly, SMTPNone}

// Alert defaults.
const (
	DefaultSMTPPort    = 587
	DefaultTelegramURL = "https://api.telegram.org"
	DefaultSummary     = "09:00"
	// SummaryOff turns the daily summary off.
	SummaryOff = "off"
	// Off, given to --alert-email or --alert-telegram, turns the channel off.
	Off = "off"
)

// Alerts configures the e-mail and Telegram alerts (the passwords are in
// the keychain: secrets.SMTPPassword, secrets.TelegramToken).
type Alerts struct {
	Email    bool    `json:"email"`
	EmailTo  string  `json:"email_to"` // addresses separated by commas
	SMTPHost string  `json:"smtp_host"`
	SMTPPort int     `json:"smtp_port"`
	SMTPTLS  SMTPTLS `json:"smtp_tls"`
	SMTPUser string  `json:"smtp_user"`
	SMTPFrom string  `json:"smtp_from"`

	Telegram     bool   `json:"telegram"`
	TelegramChat string `json:"telegram_chat"`
	TelegramURL  string `json:"telegram_url"`

	// Summary is the local time of the daily summary, "HH:MM", or "off".
	Summary string `json:"summary"`
}

// DefaultAlerts is a fresh install's: both channels off, the summary at 9:00.
func DefaultAlerts() Alerts {
	return Alerts{SMTPPort: DefaultSMTPPort, SMTPTLS: SMTPStartTLS, TelegramURL: DefaultTelegramURL,
		Summary: DefaultSummary}
}

// alertFlags are the command-line flags (and the names errors use) of
// the alert settings; init adds them to Flags.
var alertFlags = []string{"alert-email", "smtp", "smtp-tls", "smtp-user", "smtp-from", "alert-telegram",
	"telegram-url", "alert-summary"}

func init() { Flags = append(Flags, alertFlags...) }

// FieldError is a bad value of one alert setting: Field is its flag name
// (alert-email, smtp, smtp-port, …), Key and Data the i18n text of the
// problem. Message renders it in a language, naming the field.
type FieldError struct {
	Field string
	Key   string
	Data  map[string]any
}

// Message is "«field label»: problem" in lang.
func (e *FieldError) Message(lang string) string {
	return i18n.T(lang, "alerts.field."+e.Field, nil) + ": " + i18n.T(lang, e.Key, e.Data)
}

// Error is the Russian message with the flag name.
func (e *FieldError) Error() string { return e.Message(i18n.RU) + " (--" + e.Flag() + ")" }

// Flag is the command-line flag that sets the field.
func (e *FieldError) Flag() string {
	if e.Field == "smtp-port" {
		return "smtp" // the port is given with the host: --smtp HOST:PORT
	}
	return e.Field
}

// FieldErrors returns the alert field errors inside err (from Validate).
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var fe *FieldError
		if errors.As(err, &fe) {
			out = append(out, fe)
		}
	}
	walk(err)
	return out
}

var (
	reHHMM = regexp.MustCompile(`^([01]?\d|2[0-3]):[0-5]\d$`)
	reChat = regexp.MustCompile(`^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$`)
)

// Validate checks the alert settings; every problem is a *FieldError.
func (a Alerts) Validate() error {
	var errs []error
	bad := func(field, key string, data map[string]any) {
		errs = append(errs, &FieldError{Field: field, Key: key, Data: data})
	}
	if a.Email {
		if len(a.Recipients()) == 0 {
			bad("alert-email", "alerts.err.no_recipient", nil)
		}
		for _, to := range a.Recipients() {
			if !isAddress(to) {
				bad("alert-email", "alerts.err.not_email", map[string]any{"Value": to})
			}
		}
		if strings.TrimSpace(a.SMTPHost) == "" {
			bad("smtp", "alerts.err.no_host", nil)
		} else if strings.ContainsAny(a.SMTPHost, " /:@") {
			bad("smtp", "alerts.err.bad_host", map[string]any{"Value": a.SMTPHost})
		}
		if a.SMTPFrom == "" && !isAddress(a.SMTPUser) {
			bad("smtp-from", "alerts.err.no_from", nil)
		} else if a.SMTPFrom != "" && !isAddress(a.SMTPFrom) {
			bad("smtp-from", "alerts.err.not_email", map[string]any{"Value": a.SMTPFrom})
		}
	}
	if a.SMTPPort < 1 || a.SMTPPort > 65535 {
		bad("smtp-port", "alerts.err.port", map[string]any{"Value": a.SMTPPort})
	}
	if !oneOf(a.SMTPTLS, SMTPTLSModes) {
		bad("smtp-tls", "alerts.err.tls", map[string]any{"Value": string(a.SMTPTLS)})
	}
	if a.Telegram {
		switch chat := strings.TrimSpace(a.TelegramChat); {
		case chat == "":
			bad("alert-telegram", "alerts.err.no_chat", nil)
		case !reChat.MatchString(chat):
			bad("alert-telegram", "alerts.err.bad_chat", map[string]any{"Value": chat})
		}
	}
	if err := checkURL(a.TelegramURL); err != nil {
		bad("telegram-url", "alerts.err.url", map[string]any{"Value": a.TelegramURL})
	}
	if a.Summary != SummaryOff && !reHHMM.MatchString(a.Summary) {
		bad("alert-summary", "alerts.err.summary", map[string]any{"Value": a.Summary})
	}
	return errors.Join(errs...)
}

// From is the sender address: SMTPFrom, else the user name when it is an
// address.
func (a Alerts) From() string {
	if a.SMTPFrom != "" {
		return a.SMTPFrom
	}
	return a.SMTPUser
}

// SummaryAt returns the summary's hour and minute; ok is false when it is off.
func (a Alerts) SummaryAt() (hour, minute int, ok bool) {
	if !reHHMM.MatchString(a.Summary) {
		return 0, 0, false
	}
	t, err := time.Parse("15:04", a.Summary)
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

// isAddress: a bare e-mail address (no display name).
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

// Recipients are the e-mail addresses of EmailTo.
func (a Alerts) Recipients() []string { return SplitAddresses(a.EmailTo) }

// SplitAddresses splits "a@x.ru, b@y.ru; c@z.ru" into trimmed addresses.
func SplitAddresses(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// set overrides one alert setting by its flag name; ok is false for a
// flag that is not an alert setting.
func (a *Alerts) set(flag, value string) (ok bool, err error) {
	switch flag {
	case "alert-email":
		if value == Off {
			a.Email, a.EmailTo = false, ""
		} else {
			a.Email, a.EmailTo = true, strings.Join(SplitAddresses(value), ", ")
		}
	case "smtp":
		host, port, err := net.SplitHostPort(value)
		if err != nil {
			return true, &FieldError{Field: "smtp", Key: "alerts.err.hostport", Data: map[string]any{"Value": value}}
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return true, &FieldError{Field: "smtp-port", Key: "alerts.err.port", Data: map[string]any{"Value": port}}
		}
		a.SMTPHost, a.SMTPPort = host, p
	case "smtp-tls":
		a.SMTPTLS = SMTPTLS(value)
	case "smtp-user":
		a.SMTPUser = value
	case "smtp-from":
		a.SMTPFrom = value
	case "alert-telegram":
		if value == Off {
			a.Telegram, a.TelegramChat = false, ""
		} else {
			a.Telegram, a.TelegramChat = true, strings.TrimSpace(value)
		}
	case "telegram-url":
		a.TelegramURL = strings.TrimRight(value, "/")
	case "alert-summary":
		a.Summary = value
	default:
		return false, nil
	}
	return true, nil
}

// get returns one alert setting as its flag takes it.
func (a Alerts) get(flag string) (string, bool) {
	switch flag {
	case "alert-email":
		if !a.Email {
			return Off, true
		}
		return a.EmailTo, true
	case "smtp":
		return net.JoinHostPort(a.SMTPHost, strconv.Itoa(a.SMTPPort)), true
	case "smtp-tls":
		return string(a.SMTPTLS), true
	case "smtp-user":
		return a.SMTPUser, true
	case "smtp-from":
		return a.SMTPFrom, true
	case "alert-telegram":
		if !a.Telegram {
			return Off, true
		}
		return a.TelegramChat, true
	case "telegram-url":
		return a.TelegramURL, true
	case "alert-summary":
		return a.Summary, true
	}
	return "", false
}

// String describes the channels for a log line (no secrets are here).
func (a Alerts) String() string {
	return fmt.Sprintf("email=%v to=%v smtp=%s:%d/%s telegram=%v summary=%s", a.Email, a.EmailTo, a.SMTPHost,
		a.SMTPPort, a.SMTPTLS, a.Telegram, a.Summary)
}
