package bridge

import (
	"context"
	"errors"
	"testing"

	"mangotqm/app/alerts"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
)

// The incidents the alerts add: a failed backup opens one (with the
// error), the next good backup clears it; the alert settings are saved
// with the password in the keychain, bad ones are refused naming the field.
func TestBackupIncidentAndAlertSettings(t *testing.T) {
	ctx := context.Background()
	sec := secrets.NewMemory(nil)
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Secrets: sec})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	open := func() map[string]string {
		in, err := b.store.OpenIncidents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, i := range in {
			m[i.Kind] = i.Message
		}
		return m
	}
	b.backupResult(errors.New("write backup: no space left on device"))
	if got := open()[alerts.IncidentBackupFailed]; got != "write backup: no space left on device" {
		t.Fatalf("open incidents %v", open())
	}
	b.backupResult(nil)
	if _, ok := open()[alerts.IncidentBackupFailed]; ok {
		t.Fatal("a good backup did not clear the incident")
	}

	a := config.DefaultAlerts()
	a.Telegram, a.TelegramChat = true, ""
	tok := "7000000001:AAbridge-test-token"
	if err := b.SetAlerts(ctx, a, nil, &tok); len(config.FieldErrors(err)) != 1 {
		t.Fatalf("empty chat id: %v", err)
	}
	if _, err := sec.Get(ctx, secrets.TelegramToken); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatal("a refused save stored the token")
	}
	a.TelegramChat = "-100123"
	if err := b.SetAlerts(ctx, a, nil, &tok); err != nil {
		t.Fatal(err)
	}
	if got, _ := sec.Get(ctx, secrets.TelegramToken); got != tok || !b.HasAlertSecret(ctx, secrets.TelegramToken) {
		t.Fatalf("token %q", got)
	}
	if b.Config().Alerts != a {
		t.Fatalf("saved %+v", b.Config().Alerts)
	}
}
