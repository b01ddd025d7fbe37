package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/alerts/alertstest"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
)

// The screenshot tour also photographs the «Оповещения» tab.
func init() { tourScenes = append(tourScenes, "settings-alerts") }

// alertsShot saves what the window shows as PNG (MANGOTQM_TEST_OUT/desktop, or
// the test's temporary folder).
func alertsShot(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	dir := os.Getenv("MANGOTQM_TEST_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "desktop")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img := w.Canvas().Capture()
	if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 300 {
		t.Fatalf("screenshot %s is %v", name, b)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// Settings → «Оповещения» over a real bridge, a real SMTP server and the
// fake Bot API: bad input is refused in Russian naming the field and
// nothing is saved; each channel's test button sends a real message or
// explains the failure in Russian; saving keeps the password and token in
// the keychain, not in the configuration.
func TestAlertsSettingsPage(t *testing.T) {
	ctx := context.Background()
	const pw, token, chat = "app-password-0123", "7000000001:AAui-test-token-0123456789", "-1001234567890"
	srv, err := alertstest.NewSMTP("none", "bridge@office.ru", pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	bot := alertstest.NewTelegram(token, chat)
	defer bot.Close()

	u := newTestUI(t, nil)
	u.dataDir, u.open = t.TempDir(), loopbackOpener(u)
	b, err := u.openBridge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	u.bridge = b
	cfg := b.Config()
	cfg.Alerts.TelegramURL = bot.URL()
	if err := b.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	p := u.newAlertsPage(w)
	w.SetContent(container.NewVScroll(p.box))
	w.Resize(fyne.NewSize(760, 1150))

	// Bad input.
	p.email.SetChecked(true)
	p.to.SetText("admin@office.ru, бухгалтерия")
	p.host.SetText("127.0.0.1")
	p.port.SetText("70000")
	p.telegram.SetChecked(true)
	p.chat.SetText("")
	test.Tap(p.save)
	for _, want := range []string{"Настройки оповещений не сохранены", "Получатели писем: «бухгалтерия» — не адрес электронной почты",
		"Порт SMTP-сервера: «70000» — не номер порта от 1 до 65535", "Chat id в Telegram: укажите chat id",
		"Адрес отправителя: укажите адрес отправителя"} {
		if !strings.Contains(p.result.Text, want) {
			t.Errorf("the page says %q; want %q in it", p.result.Text, want)
		}
	}
	if got := b.Config().Alerts; got != cfg.Alerts {
		t.Fatalf("bad input was saved: %+v", got)
	}
	alertsShot(t, w, "settings-alerts-invalid")

	// The e-mail test: a wrong password is explained; the right one sends.
	p.to.SetText("admin@office.ru")
	p.port.SetText(srv.Port())
	p.tls.SetSelectedIndex(2) // none
	p.user.SetText("bridge@office.ru")
	p.password.SetText("wrong-password-1")
	test.Tap(p.testEmail)
	eventually(t, "the failed test explained", func() bool {
		u.flush()
		return strings.Contains(p.emailState.Text, "не принял имя пользователя или пароль")
	})
	if strings.Contains(p.emailState.Text, "wrong-password-1") {
		t.Fatal("the password is on the page")
	}
	alertsShot(t, w, "settings-alerts-test-failed")
	p.password.SetText(pw)
	test.Tap(p.testEmail)
	eventually(t, "the test mail", func() bool { u.flush(); return len(srv.Mails()) == 1 })
	eventually(t, "the page says it was sent", func() bool {
		u.flush()
		return strings.Contains(p.emailState.Text, "Проверочное сообщение отправлено")
	})

	// The Telegram test: an unknown chat is explained; the right one sends.
	p.token.SetText(token)
	p.chat.SetText("-100999")
	test.Tap(p.testTG)
	eventually(t, "chat not found explained", func() bool {
		u.flush()
		return strings.Contains(p.tgState.Text, "Telegram не нашёл чат -100999")
	})
	p.chat.SetText(chat)
	test.Tap(p.testTG)
	eventually(t, "the test message", func() bool { u.flush(); return len(bot.Messages()) == 1 })
	if m := bot.Messages()[0]; !strings.Contains(m.Text, "Проверка оповещений") {
		t.Fatalf("Telegram got %q", m.Text)
	}

	// Save.
	p.at.SetText("08:30")
	test.Tap(p.save)
	if p.result.Text != "Настройки оповещений сохранены." {
		t.Fatalf("after save the page says %q", p.result.Text)
	}
	a := b.Config().Alerts
	if !a.Email || a.EmailTo != "admin@office.ru" || a.SMTPHost != "127.0.0.1" || a.SMTPTLS != config.SMTPNone ||
		a.SMTPUser != "bridge@office.ru" || !a.Telegram || a.TelegramChat != chat || a.Summary != "08:30" {
		t.Fatalf("saved %+v", a)
	}
	for n, want := range map[secrets.Name]string{secrets.SMTPPassword: pw, secrets.TelegramToken: token} {
		if got, err := u.keychain.Get(ctx, n); err != nil || got != want {
			t.Fatalf("keychain %s = %q, %v", n, got, err)
		}
	}
	if p.password.Text != "" || p.token.Text != "" || p.password.PlaceHolder == "" || p.token.PlaceHolder == "" {
		t.Fatal("the password stays on the page after saving, or the page does not say one is kept")
	}
	alertsShot(t, w, "settings-alerts-saved")
	// A page opened again shows the saved values and that secrets are kept.
	again := u.newAlertsPage(w)
	if again.to.Text != "admin@office.ru" || again.password.PlaceHolder == "" || again.token.PlaceHolder == "" ||
		again.tls.SelectedIndex() != 2 {
		t.Fatalf("reopened page: %q %q %q %d", again.to.Text, again.password.PlaceHolder, again.token.PlaceHolder, again.tls.SelectedIndex())
	}
}
