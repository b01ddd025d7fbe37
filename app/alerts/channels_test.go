package alerts

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"mangotqm/app/alerts/alertstest"
	"mangotqm/app/config"
	"mangotqm/assets/i18n"
)

func smtpSettings(t *testing.T, s *alertstest.SMTP, mode config.SMTPTLS, user string) config.Alerts {
	t.Helper()
	port, err := strconv.Atoi(s.Port())
	if err != nil {
		t.Fatal(err)
	}
	a := config.DefaultAlerts()
	a.Email, a.EmailTo = true, "admin@office.example.ru, boss@office.example.ru"
	a.SMTPHost, a.SMTPPort, a.SMTPTLS, a.SMTPUser, a.SMTPFrom = "127.0.0.1", port, mode, user, "bridge@office.example.ru"
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	return a
}

func password(p string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return p, nil }
}

// A real SMTP server: plain text, STARTTLS and implicit TLS sessions, with
// and without authentication; the message arrives whole, to every
// recipient, encrypted when the mode says so.
func TestEmailThroughRealSMTP(t *testing.T) {
	cases := []struct {
		name      string
		mode      string
		tlsMode   config.SMTPTLS
		user, pw  string
		wantTLS   bool
		wantError string // i18n key of the explanation, "" = sent
	}{
		{name: "plain, no auth", mode: "none", tlsMode: config.SMTPNone},
		{name: "plain, auth on loopback", mode: "none", tlsMode: config.SMTPNone, user: "bridge", pw: "pa55-word-1"},
		{name: "starttls, auth", mode: "starttls", tlsMode: config.SMTPStartTLS, user: "bridge", pw: "pa55-word-1", wantTLS: true},
		{name: "implicit tls, auth", mode: "tls", tlsMode: config.SMTPTLSOnly, user: "bridge", pw: "pa55-word-1", wantTLS: true},
		{name: "wrong password", mode: "starttls", tlsMode: config.SMTPStartTLS, user: "bridge", pw: "wrong-password",
			wantError: "alerts.fail.auth"},
		{name: "starttls asked, server has none", mode: "none", tlsMode: config.SMTPStartTLS, wantError: "alerts.fail.tls"},
		{name: "tls asked, server speaks plain", mode: "none", tlsMode: config.SMTPTLSOnly, wantError: "alerts.fail.tls"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, err := alertstest.NewSMTP(c.mode, c.user, "pa55-word-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			a := smtpSettings(t, srv, c.tlsMode, c.user)
			e := &Email{Settings: a, Password: password(c.pw), TLSConfig: &tls.Config{RootCAs: srv.Roots}, Timeout: 10 * time.Second}
			err = e.Send(t.Context(), Message{Subject: "Проверка: TQM отклонил ключ", Body: "Тело письма\nвторая строка"})
			if c.wantError != "" {
				var se *SendError
				if !errors.As(err, &se) || se.Key != c.wantError {
					t.Fatalf("err = %v, want the explanation %s", err, c.wantError)
				}
				if msg := Explain(i18n.RU, err); msg == "" || msg == c.wantError || (c.pw != "" && strings.Contains(msg, c.pw)) {
					t.Fatalf("explanation %q", msg)
				}
				if len(srv.Mails()) != 0 {
					t.Fatal("a mail was accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mails := srv.Mails()
			if len(mails) != 1 {
				t.Fatalf("%d mails", len(mails))
			}
			m := mails[0]
			if m.From != "bridge@office.example.ru" || strings.Join(m.To, " ") != "admin@office.example.ru boss@office.example.ru" {
				t.Fatalf("envelope %q → %q", m.From, m.To)
			}
			if m.TLS != c.wantTLS || m.User != c.user {
				t.Fatalf("tls %v user %q; want %v %q", m.TLS, m.User, c.wantTLS, c.user)
			}
			subject, body := decodeMail(t, m.Data)
			if subject != "Проверка: TQM отклонил ключ" || body != "Тело письма\r\nвторая строка" {
				t.Fatalf("subject %q body %q", subject, body)
			}
		})
	}
}

// decodeMail returns a plain-text message's decoded subject and body.
func decodeMail(t *testing.T, data string) (subject, body string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return subject, strings.TrimRight(string(b), "\r\n")
}

func TestEmailServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_ = ln.Close() // nothing listens there now
	a := config.DefaultAlerts()
	p, _ := strconv.Atoi(port)
	a.Email, a.EmailTo, a.SMTPHost, a.SMTPPort, a.SMTPTLS, a.SMTPFrom = true, "a@b.ru", "127.0.0.1", p, config.SMTPNone, "x@b.ru"
	err = (&Email{Settings: a, Timeout: 5 * time.Second}).Send(t.Context(), Message{Subject: "s", Body: "b"})
	var se *SendError
	if !errors.As(err, &se) || se.Key != "alerts.fail.unreachable" {
		t.Fatalf("err = %v", err)
	}
	if msg := Explain(i18n.RU, err); !strings.Contains(msg, "127.0.0.1:"+port) || !strings.Contains(msg, "Не удалось подключиться") {
		t.Fatalf("explanation %q", msg)
	}
}

// The fake Bot API checks the token in the path and the chat id; the
// failures an admin can fix are explained, and the token never appears
// in an error.
func TestTelegram(t *testing.T) {
	const token, chat = "123456:AAbbCCddEEffGGhh-secret", "-1001234567890"
	bot := alertstest.NewTelegram(token, chat)
	defer bot.Close()
	cases := []struct {
		name, token, chat, url, wantKey string
	}{
		{name: "sent", token: token, chat: chat},
		{name: "wrong token", token: "654321:ZZ-other-token-x", chat: chat, wantKey: "alerts.fail.bad_token"},
		{name: "unknown chat", token: token, chat: "-100999", wantKey: "alerts.fail.chat_not_found"},
		{name: "no token", token: "", chat: chat, wantKey: "alerts.fail.no_token"},
		{name: "unreachable", token: token, chat: chat, url: "http://127.0.0.1:1", wantKey: "alerts.fail.unreachable"},
	}
	t.Run("rate limited", func(t *testing.T) {
		bot.RateLimitNext(1)
		tg := &Telegram{BaseURL: bot.URL(), Chat: chat, Token: password(token)}
		err := tg.Send(t.Context(), Message{Subject: "s"})
		var se *SendError
		if !errors.As(err, &se) || se.RetryAfter != 90*time.Second {
			t.Fatalf("err = %v; want a wait of 90 s", err)
		}
		if err := tg.Send(t.Context(), Message{Subject: "s"}); err != nil {
			t.Fatal(err)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(bot.Messages())
			u := c.url
			if u == "" {
				u = bot.URL()
			}
			tg := &Telegram{BaseURL: u, Chat: c.chat, Token: password(c.token)}
			err := tg.Send(t.Context(), Message{Subject: "TQM отклонил ключ", Body: "Что сделать: …"})
			if c.wantKey == "" {
				if err != nil {
					t.Fatal(err)
				}
				got := bot.Messages()
				if len(got) != before+1 || got[before].ChatID != chat || got[before].Text != "TQM отклонил ключ\n\nЧто сделать: …" {
					t.Fatalf("messages %+v", got)
				}
				return
			}
			var se *SendError
			if !errors.As(err, &se) || se.Key != c.wantKey {
				t.Fatalf("err = %v, want %s", err, c.wantKey)
			}
			if c.token != "" && strings.Contains(err.Error(), c.token) {
				t.Fatalf("the token is in the error: %v", err)
			}
			if len(bot.Messages()) != before {
				t.Fatal("a message was accepted")
			}
		})
	}
}
