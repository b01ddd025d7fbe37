package e2e

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"mangotqm/app/alerts/alertstest"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/tqm/sandbox"
)

const (
	botToken = "7000000001:AAe2e-bot-token-0123456789abcdef"
	botChat  = "-1001234567890"
	goodKey  = "the-corrected-key-0123456789"
)

// alertRig: a real SMTP server (plain, on loopback) and a fake Bot API.
type alertRig struct {
	smtp *alertstest.SMTP
	bot  *alertstest.Telegram
}

func newAlertRig(t *testing.T) *alertRig {
	t.Helper()
	s, err := alertstest.NewSMTP("none", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	bot := alertstest.NewTelegram(botToken, botChat)
	t.Cleanup(bot.Close)
	return &alertRig{smtp: s, bot: bot}
}

func (r *alertRig) flags() []string {
	return []string{"--alert-email", "admin@office.example.ru", "--smtp", r.smtp.Addr(), "--smtp-tls", "none",
		"--smtp-from", "bridge@office.example.ru", "--alert-telegram", botChat, "--telegram-url", r.bot.URL(),
		"--alert-summary", "off", "--rate", "50"}
}

// decoded is a mail's subject and text.
func decoded(t *testing.T, m alertstest.Mail) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return subject + "\n" + string(b)
}

func noSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for k, v := range secretsEnv() {
			if strings.Contains(s, v) {
				t.Fatalf("%s is in an alert:\n%s", k, s)
			}
		}
		for _, v := range []string{botToken, goodKey} {
			if strings.Contains(s, v) {
				t.Fatalf("a secret is in an alert:\n%s", s)
			}
		}
	}
}

// call is a webhook whose recording downloads from rec.
func call(id string, rec string) webhook {
	h := newWebhook(id, time.Now().Add(-time.Minute))
	h.record = rec + "/" + id + ".mp3"
	return h
}

func sentLines(p *proc) int { return strings.Count(p.stderr.String(), `"msg":"alert sent"`) }

// TestAlertsKeyRejected: TQM rejects the key → within 60 s exactly one
// e-mail and one Telegram message, in Russian, naming TQM; more calls
// while paused bring nothing more; the corrected key closes the incident
// with one more message each.
func TestAlertsKeyRejected(t *testing.T) {
	fake := sandbox.New(goodKey)
	defer fake.Close()
	r := newAlertRig(t)
	rec := recordingServer(t)
	dir := t.TempDir()
	env := secretsEnv()
	env["MANGOTQM_TELEGRAM_TOKEN"] = botToken
	opts := serveOpts{dataDir: dir, tqmURL: fake.URL(), env: env, extra: r.flags()}
	p := startServe(t, opts)
	if code, err := send(context.Background(), p.url, call("AL-1", rec.URL)); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	clocktest.Within(t, 20*time.Second, "the 401 to pause sending", func() bool {
		return strings.Contains(p.stderr.String(), "TQM rejected the access key")
	})
	rejected := time.Now()
	clocktest.Within(t, 60*time.Second, "one e-mail and one Telegram message", func() bool {
		return len(r.smtp.Mails()) >= 1 && len(r.bot.Messages()) >= 1 && sentLines(p) >= 2
	})
	t.Logf("alerts arrived %v after the rejection", time.Since(rejected).Round(time.Millisecond))
	mailText := decoded(t, r.smtp.Mails()[0])
	tgText := r.bot.Messages()[0].Text
	for _, s := range []string{mailText, tgText} {
		for _, want := range []string{"TQM отклонил ключ доступа", "отправка звонков в TQM приостановлена", "Что сделать"} {
			if !strings.Contains(s, want) {
				t.Fatalf("alert lacks %q:\n%s", want, s)
			}
		}
	}
	if m := r.smtp.Mails()[0]; m.From != "bridge@office.example.ru" || len(m.To) != 1 || m.To[0] != "admin@office.example.ru" {
		t.Fatalf("envelope %+v", m)
	}
	t.Logf("the e-mail:\n%s\nTelegram:\n%s", mailText, tgText)
	noSecrets(t, mailText, tgText)

	// More calls while paused: accepted, and no more alerts.
	for _, id := range []string{"AL-2", "AL-3", "AL-4"} {
		if code, err := send(context.Background(), p.url, call(id, rec.URL)); err != nil || code != 200 {
			t.Fatalf("webhook %s: %d %v", id, code, err)
		}
	}
	clocktest.Within(t, 10*time.Second, "the calls stored", func() bool { return len(statusOf(t, dir)) == 4 })
	p.stop(t)
	if m, g := len(r.smtp.Mails()), len(r.bot.Messages()); m != 1 || g != 1 {
		t.Fatalf("%d e-mails, %d Telegram messages while paused; want 1 each", m, g)
	}

	// The corrected key: the incident closes, one more message each.
	env["MANGOTQM_TQM_KEY"] = goodKey
	p = startServe(t, opts)
	defer p.stop(t)
	clocktest.Within(t, 30*time.Second, "the calls delivered with the corrected key", allDelivered(t, dir, "AL-1", "AL-2", "AL-3", "AL-4"))
	clocktest.Within(t, 60*time.Second, "the clearing messages", func() bool {
		return len(r.smtp.Mails()) >= 2 && len(r.bot.Messages()) >= 2
	})
	cleared := decoded(t, r.smtp.Mails()[1])
	if !strings.Contains(cleared, "Решено: TQM снова принимает ключ доступа") ||
		!strings.Contains(r.bot.Messages()[1].Text, "Решено: TQM снова принимает ключ доступа") {
		t.Fatalf("clearing messages:\n%s\n%s", cleared, r.bot.Messages()[1].Text)
	}
	noSecrets(t, cleared, r.bot.Messages()[1].Text)
	if m, g := len(r.smtp.Mails()), len(r.bot.Messages()); m != 2 || g != 2 {
		t.Fatalf("%d e-mails, %d Telegram messages; want 2 each", m, g)
	}
	if refused := r.bot.Refused(); len(refused) != 0 {
		t.Fatalf("the Bot API refused requests: %v", refused)
	}
}

// TestAlertsSMTPDown: an SMTP server that is down delays the e-mail, never
// a call; the e-mails go out once it is back (Telegram is not held up).
func TestAlertsSMTPDown(t *testing.T) {
	fake := sandbox.New(goodKey)
	defer fake.Close()
	r := newAlertRig(t)
	rec := recordingServer(t)
	addr := r.smtp.Addr()
	r.smtp.Stop()
	dir := t.TempDir()
	env := secretsEnv()
	env["MANGOTQM_TELEGRAM_TOKEN"] = botToken
	opts := serveOpts{dataDir: dir, tqmURL: fake.URL(), env: env, extra: r.flags()}
	p := startServe(t, opts)
	if code, err := send(context.Background(), p.url, call("DN-1", rec.URL)); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	clocktest.Within(t, 60*time.Second, "the Telegram message", func() bool { return len(r.bot.Messages()) >= 1 })
	clocktest.Within(t, 30*time.Second, "a failed e-mail try logged", func() bool {
		return strings.Contains(p.stderr.String(), "alert not sent; will retry")
	})
	p.stop(t)

	// The corrected key while SMTP is still down: calls are delivered at
	// once, the clearing reaches Telegram.
	env["MANGOTQM_TQM_KEY"] = goodKey
	p = startServe(t, opts)
	defer p.stop(t)
	for _, id := range []string{"DN-2", "DN-3"} {
		start := time.Now()
		if code, err := send(context.Background(), p.url, call(id, rec.URL)); err != nil || code != 200 {
			t.Fatalf("webhook %s: %d %v", id, code, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("a webhook took %v while SMTP is down", d)
		}
	}
	clocktest.Within(t, 30*time.Second, "the calls delivered while SMTP is down", allDelivered(t, dir, "DN-1", "DN-2", "DN-3"))
	clocktest.Within(t, 60*time.Second, "the clearing on Telegram", func() bool { return len(r.bot.Messages()) >= 2 })
	if n := len(r.smtp.Mails()); n != 0 {
		t.Fatalf("%d mails from a stopped server", n)
	}

	// SMTP back on the same address: both e-mails, once each, in order.
	if err := r.smtp.Start(addr); err != nil {
		t.Fatal(err)
	}
	clocktest.Within(t, 90*time.Second, "the delayed e-mails", func() bool { return len(r.smtp.Mails()) >= 2 })
	mails := r.smtp.Mails()
	if first, second := decoded(t, mails[0]), decoded(t, mails[1]); !strings.Contains(first, "TQM отклонил ключ") ||
		!strings.Contains(second, "Решено: TQM снова принимает ключ") {
		t.Fatalf("delayed e-mails:\n%s\n---\n%s", first, second)
	}
	if len(mails) != 2 || len(r.bot.Messages()) != 2 {
		t.Fatalf("%d e-mails, %d Telegram messages; want 2 each", len(mails), len(r.bot.Messages()))
	}
}
