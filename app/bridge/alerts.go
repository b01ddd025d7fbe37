package bridge

// Alerts by e-mail and Telegram (app/alerts): the bridge runs the alert
// service on its own goroutine, beside delivery. The service reads the
// incidents table itself (every kind, whoever raised it), so an incident
// opened or cleared while the service was busy or the app was stopped is
// still announced once; the bridge only wakes it up. This file also raises
// the incidents the alerts need that nothing else raised: a failed backup
// and Mango's VPBX API lockout.

import (
	"context"
	"errors"
	"strings"
	"time"

	"mangotqm/app/alerts"
	"mangotqm/app/config"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/secrets"
)

// lockoutPoll: how often the VPBX client's lockout is looked at.
const lockoutPoll = 30 * time.Second

// newAlerts makes the alert service (Open calls it).
func (b *Bridge) newAlerts() *alerts.Service {
	return alerts.New(alerts.Config{
		Store:       b.store,
		Settings:    func() config.Alerts { return b.Config().Alerts },
		Secrets:     b.opts.Secrets,
		Lang:        b.opts.Lang,
		Clock:       b.opts.Clock,
		StorageKind: IncidentStorage,
		Logger:      b.log.With("part", "alerts"),
	})
}

// runAlerts runs the alert service and what feeds it until ctx ends.
func (b *Bridge) runAlerts(ctx context.Context) {
	events, stop := b.Subscribe()
	go func() {
		defer stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-events:
				if e.Kind == EventIncident || e.Kind == EventConfig {
					b.alerts.Wake()
				}
			}
		}
	}()
	go b.watchLockout(ctx, lockoutPoll)
	b.log.Info("alerts", "settings", b.Config().Alerts.String())
	_ = b.alerts.Run(ctx)
}

// alertUnrecorded: an incident the database could not record (it is the
// database that fails) still reaches the admin, from memory.
func (b *Bridge) alertUnrecorded(kind string, open bool, message string) {
	if b.alerts != nil {
		b.alerts.Unrecorded(kind, open, message)
	}
}

// backupResult opens or clears the "backup failed" incident.
func (b *Bridge) backupResult(err error) {
	if err == nil {
		b.incident(alerts.IncidentBackupFailed, false, "")
		return
	}
	b.incident(alerts.IncidentBackupFailed, true, err.Error())
}

// watchLockout opens the "VPBX API locked out" incident while Mango keeps
// the bridge's VPBX client paused, and clears it after.
func (b *Bridge) watchLockout(ctx context.Context, every time.Duration) {
	// Written only when it changes (first: cleared, in case a lockout of
	// the last run is still recorded).
	was, known := false, false
	for {
		b.rec.mu.Lock()
		c := b.rec.client
		b.rec.mu.Unlock()
		var lo *vpbx.LockoutError
		if c != nil {
			lo = c.LockedOut()
		}
		if now := lo != nil; !known || now != was {
			if now {
				b.incident(alerts.IncidentVPBXLockout, true, b.text(lo.MessageKey(), lo.MessageData()))
			} else {
				b.incident(alerts.IncidentVPBXLockout, false, "")
			}
			was, known = now, true
		}
		if b.opts.Clock.Sleep(ctx, every) != nil {
			return
		}
	}
}

// AlertStatus is what the settings page shows about the outbox.
type AlertStatus struct {
	Pending   map[string]int    // unsent messages per channel
	LastError map[string]string // the last failure per channel (explained)
}

// AlertStatus counts the messages waiting per channel.
func (b *Bridge) AlertStatus(ctx context.Context) (AlertStatus, error) {
	p, e, err := b.store.AlertStats(ctx)
	return AlertStatus{Pending: p, LastError: e}, err
}

// SetAlerts saves the alert settings (validated) and, when given (not
// nil), the SMTP password and the Telegram bot token in the keychain.
func (b *Bridge) SetAlerts(ctx context.Context, a config.Alerts, password, token *string) error {
	c := b.Config()
	c.Alerts = a
	if err := c.Validate(); err != nil {
		return err
	}
	for name, v := range map[secrets.Name]*string{secrets.SMTPPassword: password, secrets.TelegramToken: token} {
		if v == nil {
			continue
		}
		var err error
		if strings.TrimSpace(*v) == "" {
			err = b.opts.Secrets.Delete(ctx, name)
			if errors.Is(err, secrets.ErrNotFound) {
				err = nil
			}
		} else {
			err = b.opts.Secrets.Set(ctx, name, strings.TrimSpace(*v))
		}
		if err != nil {
			return err
		}
	}
	b.alerts.ForgetSecrets()
	return b.SetConfig(ctx, c)
}

// HasAlertSecret reports whether the SMTP password or bot token is stored.
func (b *Bridge) HasAlertSecret(ctx context.Context, n secrets.Name) bool {
	v, err := b.opts.Secrets.Get(ctx, n)
	return err == nil && v != ""
}

// TestAlert sends a test message through one channel ("email",
// "telegram") of settings a, now, with password/token if typed (else the
// stored ones). The error explains itself: alerts.Explain.
func (b *Bridge) TestAlert(ctx context.Context, a config.Alerts, channel, password, token string) error {
	typed := map[secrets.Name]string{}
	if strings.TrimSpace(password) != "" {
		typed[secrets.SMTPPassword] = strings.TrimSpace(password)
	}
	if strings.TrimSpace(token) != "" {
		typed[secrets.TelegramToken] = strings.TrimSpace(token)
	}
	sec := secrets.Chain{secrets.NewMemory(typed), b.opts.Secrets}
	svc := alerts.New(alerts.Config{Store: b.store, Settings: func() config.Alerts { return a }, Secrets: sec,
		Lang: b.opts.Lang, Clock: b.opts.Clock, Logger: b.log.With("part", "alerts")})
	return svc.Test(ctx, a, channel)
}

// AlertLang is the language of the alerts (the window's, else Russian).
func (b *Bridge) AlertLang() string { return b.alerts.Lang() }
