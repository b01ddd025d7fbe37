package bridge

import (
	"context"
	"errors"
	"testing"
	"time"

	"mangotqm/app/alerts"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/mango/vpbx"
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

// Mango's VPBX lockout of the bridge's client opens an incident (with
// Mango's reason) and clears it when the pause ends.
func TestVPBXLockoutIncident(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	isOpen := func() bool {
		in, err := b.store.OpenIncidents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range in {
			if i.Kind == alerts.IncidentVPBXLockout {
				return true
			}
		}
		return false
	}
	b.vpbxClient(b.Config().VPBXURL).Pause(vpbx.LockoutError{Code: vpbx.ResultWrongSign, HTTPStatus: 200,
		Path: "stats/request", Until: time.Now().Add(time.Second)})
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go b.watchLockout(wctx, 20*time.Millisecond)
	clocktest.Eventually(t, "the lockout incident", isOpen)
	clocktest.Eventually(t, "the lockout incident cleared after the pause ended", func() bool { return !isOpen() })
}
