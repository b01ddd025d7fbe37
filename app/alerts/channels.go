// Package alerts tells the office admin, who is not at the bridge's PC,
// about problems by e-mail and Telegram: one message when an incident
// opens and one when it clears (never a repeat while it stays open), and a
// daily summary. Messages wait in the database (a durable outbox) and are
// retried with backoff while a channel is down; all of it runs on its own
// goroutine, so intake and delivery never wait for it. No secret ever
// appears in a message.
package alerts

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wneessen/go-mail"
	mailsmtp "github.com/wneessen/go-mail/smtp"

	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
)

// Channel names (the outbox's channel column).
const (
	ChannelEmail    = "email"
	ChannelTelegram = "telegram"
)

// Message is one alert as the channels send it.
type Message struct {
	Subject string
	Body    string
}

// Channel sends messages.
type Channel interface {
	Send(ctx context.Context, m Message) error
}

// SendError is a failed send explained for people: Key and Data are the
// i18n text of the cause; Err is the library's error (for the log).
type SendError struct {
	Key        string
	Data       map[string]any
	Err        error
	RetryAfter time.Duration // Telegram's 429
}

// Message renders the explanation in lang.
func (e *SendError) Message(lang string) string { return i18n.T(lang, e.Key, e.Data) }

func (e *SendError) Error() string {
	if e.Err == nil {
		return e.Message(i18n.EN)
	}
	return e.Message(i18n.EN) + " (" + e.Err.Error() + ")"
}

func (e *SendError) Unwrap() error { return e.Err }

// Explain returns why a send failed, in lang.
func Explain(lang string, err error) string {
	var se *SendError
	if errors.As(err, &se) {
		return se.Message(lang)
	}
	return i18n.T(lang, "alerts.fail.other", map[string]any{"Detail": err.Error()})
}

// Email sends through the office's SMTP server (go-mail).
type Email struct {
	Settings config.Alerts
	Password func(ctx context.Context) (string, error)
	// TLSConfig replaces the default (tests trust their own certificate).
	TLSConfig *tls.Config
	Timeout   time.Duration // default 30 s
}

// Send implements Channel.
func (e *Email) Send(ctx context.Context, m Message) error {
	s := e.Settings
	server := net.JoinHostPort(s.SMTPHost, strconv.Itoa(s.SMTPPort))
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithPort(s.SMTPPort), mail.WithTimeout(timeout)}
	switch s.SMTPTLS {
	case config.SMTPNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case config.SMTPTLSOnly:
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.TLSConfig != nil {
		tc := e.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = s.SMTPHost
		}
		opts = append(opts, mail.WithTLSConfig(tc))
	}
	if s.SMTPUser != "" {
		pw := ""
		if e.Password != nil {
			var err error
			pw, err = e.Password(ctx)
			if err != nil {
				return &SendError{Key: "alerts.fail.no_password", Err: err}
			}
		}
		// Without TLS only PLAIN, which go-mail sends in clear to the
		// loopback only (elsewhere: alerts.fail.unencrypted).
		auth := mail.SMTPAuthAutoDiscover
		if s.SMTPTLS == config.SMTPNone {
			auth = mail.SMTPAuthPlain
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(s.SMTPUser), mail.WithPassword(pw))
	}
	c, err := mail.NewClient(s.SMTPHost, opts...)
	if err != nil {
		return &SendError{Key: "alerts.fail.other", Data: map[string]any{"Detail": err.Error()}, Err: err}
	}
	msg := mail.NewMsg()
	if err := msg.From(s.From()); err != nil {
		return &SendError{Key: "alerts.fail.other", Data: map[string]any{"Detail": err.Error()}, Err: err}
	}
	if err := msg.To(s.Recipients()...); err != nil {
		return &SendError{Key: "alerts.fail.other", Data: map[string]any{"Detail": err.Error()}, Err: err}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return explainSMTP(server, err)
	}
	return nil
}

// explainSMTP sorts go-mail's errors into what an admin can act on.
func explainSMTP(server string, err error) error {
	text := err.Error()
	data := map[string]any{"Server": server, "Detail": text}
	var netErr *net.OpError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, mailsmtp.ErrUnencrypted):
		return &SendError{Key: "alerts.fail.unencrypted", Data: data, Err: err}
	case strings.Contains(text, "SMTP AUTH failed"), strings.Contains(text, "does not support SMTP AUTH"),
		strings.Contains(text, "authentication mechanism"):
		return &SendError{Key: "alerts.fail.auth", Data: data, Err: err}
	case errors.As(err, &certErr), errors.As(err, &recErr), strings.Contains(text, "STARTTLS"),
		strings.Contains(text, "tls:"), strings.Contains(text, "x509:"):
		return &SendError{Key: "alerts.fail.tls", Data: data, Err: err}
	case errors.As(err, &dnsErr), errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded),
		strings.HasPrefix(text, "dial failed"):
		return &SendError{Key: "alerts.fail.unreachable", Data: data, Err: err}
	}
	return &SendError{Key: "alerts.fail.rejected", Data: data, Err: err}
}

// Telegram sends through the Bot API's sendMessage.
type Telegram struct {
	BaseURL string // default https://api.telegram.org
	Chat    string
	Token   func(ctx context.Context) (string, error)
	HTTP    *http.Client
}

// telegramMax is the Bot API's limit on a message's length (characters).
const telegramMax = 4096

// Send implements Channel.
func (t *Telegram) Send(ctx context.Context, m Message) error {
	token := ""
	if t.Token != nil {
		var err error
		if token, err = t.Token(ctx); err != nil || strings.TrimSpace(token) == "" {
			return &SendError{Key: "alerts.fail.no_token", Err: err}
		}
	}
	token = strings.TrimSpace(token)
	text := m.Subject
	body := m.Body
	// The body's first line repeats the title the subject ends with.
	if first, rest, ok := strings.Cut(body, "\n"); ok && first != "" && strings.HasSuffix(m.Subject, first) {
		body = strings.TrimLeft(rest, "\n")
	}
	if body != "" {
		text += "\n\n" + body
	}
	if utf8.RuneCountInString(text) > telegramMax {
		r := []rune(text)
		text = string(r[:telegramMax-1]) + "…"
	}
	payload, err := json.Marshal(map[string]any{"chat_id": t.Chat, "text": text, "disable_web_page_preview": true})
	if err != nil {
		return fmt.Errorf("telegram: %w", err)
	}
	base := strings.TrimRight(t.BaseURL, "/")
	if base == "" {
		base = config.DefaultTelegramURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/bot"+token+"/sendMessage", bytes.NewReader(payload))
	if err != nil {
		// The URL holds the token: never return net/url's error text.
		return &SendError{Key: "alerts.fail.telegram", Data: map[string]any{"Detail": "bad Bot API URL"}}
	}
	req.Header.Set("Content-Type", "application/json")
	hc := t.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which holds the token
		}
		return &SendError{Key: "alerts.fail.unreachable", Data: map[string]any{"Server": hostOf(base)}, Err: err}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ans struct {
		OK          bool   `json:"ok"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	_ = json.Unmarshal(raw, &ans)
	if resp.StatusCode == http.StatusOK && ans.OK {
		return nil
	}
	desc := ans.Description
	if desc == "" {
		desc = resp.Status
	}
	cause := fmt.Errorf("telegram: HTTP %d: %s", resp.StatusCode, desc)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusNotFound:
		return &SendError{Key: "alerts.fail.bad_token", Err: cause}
	case strings.Contains(strings.ToLower(desc), "chat not found"):
		return &SendError{Key: "alerts.fail.chat_not_found", Data: map[string]any{"Chat": t.Chat}, Err: cause}
	case resp.StatusCode == http.StatusForbidden:
		return &SendError{Key: "alerts.fail.forbidden", Err: cause}
	case resp.StatusCode == http.StatusTooManyRequests:
		return &SendError{Key: "alerts.fail.telegram", Data: map[string]any{"Detail": desc}, Err: cause,
			RetryAfter: time.Duration(ans.Parameters.RetryAfter) * time.Second}
	}
	return &SendError{Key: "alerts.fail.telegram", Data: map[string]any{"Detail": desc}, Err: cause}
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}

// Channels builds the channels the settings turn on (none: an empty map).
// Secrets are read at every send, so a changed password applies at once.
func Channels(s config.Alerts, sec secrets.Store, hc *http.Client, tlsConfig *tls.Config) map[string]Channel {
	out := map[string]Channel{}
	if s.Email && len(s.Recipients()) > 0 && s.SMTPHost != "" {
		out[ChannelEmail] = &Email{Settings: s, TLSConfig: tlsConfig,
			Password: func(ctx context.Context) (string, error) { return sec.Get(ctx, secrets.SMTPPassword) }}
	}
	if s.Telegram && s.TelegramChat != "" {
		out[ChannelTelegram] = &Telegram{BaseURL: s.TelegramURL, Chat: s.TelegramChat, HTTP: hc,
			Token: func(ctx context.Context) (string, error) { return sec.Get(ctx, secrets.TelegramToken) }}
	}
	return out
}
