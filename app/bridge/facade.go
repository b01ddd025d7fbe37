package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/delivery"
	"mangotqm/app/mapping"
	"mangotqm/store"
	"mangotqm/tunnel"
)

// Endpoints returns the URLs to paste into Mango (empty until the tunnel is up).
func (b *Bridge) Endpoints() []Endpoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Endpoint(nil), b.endpoints...)
}

// TunnelStatus returns the tunnel's current state (connecting before Start).
func (b *Bridge) TunnelStatus() tunnel.Status {
	b.mu.Lock()
	tun := b.tun
	b.mu.Unlock()
	if tun == nil {
		return tunnel.Status{State: tunnel.Connecting}
	}
	ch, stop := tun.Subscribe()
	defer stop()
	return <-ch
}

// Calls lists stored calls.
func (b *Bridge) Calls(ctx context.Context, f calls.Filter) ([]calls.Call, error) {
	return b.store.List(ctx, f)
}

// Call returns one call and its tries.
func (b *Bridge) Call(ctx context.Context, row int64) (calls.Call, []calls.Attempt, error) {
	call, err := b.store.Get(ctx, row)
	if err != nil {
		return calls.Call{}, nil, err
	}
	atts, err := b.store.Attempts(ctx, row)
	return call, atts, err
}

// Counts returns the outbox counts ("today" in local time).
func (b *Bridge) Counts(ctx context.Context) (calls.Counts, error) {
	now := b.opts.Clock.Now()
	y, m, d := now.Date()
	return b.store.Counts(ctx, time.Date(y, m, d, 0, 0, 0, 0, now.Location()))
}

// Resend re-queues one call.
func (b *Bridge) Resend(ctx context.Context, row int64) error {
	if err := b.store.Resend(ctx, row); err != nil {
		return err
	}
	b.log.Info("call re-queued by the user", "row", row)
	b.clearFailedIncident(ctx)
	b.worker.Wake()
	b.publish(Event{Kind: EventCall, CallRow: row})
	return nil
}

// ResendFailedSince re-queues every failed or needs-attention call since t.
func (b *Bridge) ResendFailedSince(ctx context.Context, since time.Time) (int, error) {
	n, err := b.store.ResendFailedSince(ctx, since)
	if err != nil {
		return 0, err
	}
	b.log.Info("failed calls re-queued by the user", "count", n, "since", since)
	b.clearFailedIncident(ctx)
	b.worker.Wake()
	b.publish(Event{Kind: EventCall})
	return n, nil
}

// clearFailedIncident closes the "a call failed for good" incident once no
// call is failed any more (the next failure opens, and notifies, again).
func (b *Bridge) clearFailedIncident(ctx context.Context) {
	if n, err := b.Counts(ctx); err == nil && n.Failed == 0 {
		b.incident(delivery.IncidentCallFailed, false, "")
	}
}

// SetPaused pauses or resumes sending (receiving goes on). Resuming clears
// whatever paused it, a rejected key included (the next send tells).
func (b *Bridge) SetPaused(ctx context.Context, paused bool) error {
	if paused {
		if err := b.store.SetSetting(ctx, store.SettingPaused, true); err != nil {
			return err
		}
		b.worker.SetPaused(true)
	} else if err := b.worker.Resume(ctx); err != nil {
		return err
	}
	b.log.Info("delivery state changed by the user", "paused", paused)
	b.publish(Event{Kind: EventDelivery})
	return nil
}

// PausedReason says why sending is paused ("" when it is not):
// store.PauseByUser or store.PauseByKeyRejected.
func (b *Bridge) PausedReason() string { return b.worker.PausedReason() }

// Paused reports whether sending is paused.
func (b *Bridge) Paused() bool { return b.worker.Paused() }

// Incidents lists open incidents.
func (b *Bridge) Incidents(ctx context.Context) ([]calls.Incident, error) {
	return b.store.OpenIncidents(ctx)
}

// Config returns the configuration in effect.
func (b *Bridge) Config() config.Config {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cfg
}

// SetConfig validates and saves c, then applies it to the running bridge
// without a restart: the TQM address and API, the audio mode and the VPBX
// address rebuild the sender (the next try uses them), sources apply to the
// next webhook and claim, a new ngrok domain reopens the tunnel.
func (b *Bridge) SetConfig(ctx context.Context, c config.Config) error {
	if err := config.Save(ctx, b.store, c); err != nil {
		return err
	}
	b.mu.Lock()
	old, started := b.cfg, b.started
	b.cfg = c
	b.mu.Unlock()
	b.log.Info("configuration changed", "tqm_url", c.TQMURL, "tqm_api", c.TQMAPI, "audio", c.Audio,
		"sources", c.Sources, "ngrok_domain", c.NgrokDomain)
	if started && (old.TQMURL != c.TQMURL || old.TQMAPI != c.TQMAPI || old.Audio != c.Audio || old.VPBXURL != c.VPBXURL) {
		b.applySender(ctx)
		b.worker.Wake()
	}
	if old.Rate != c.Rate {
		b.log.Info("the new sending rate applies after a restart", "rate", c.Rate)
	}
	b.applyRoad(old, c) // road.go: the loop's mode and interval, a new tunnel
	b.publish(Event{Kind: EventConfig})
	return nil
}

// Mapping returns the current mapping.
func (b *Bridge) Mapping(ctx context.Context) (mapping.Config, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mapping, nil
}

// SetMapping validates and stores a new mapping; it applies to every try
// from now on.
func (b *Bridge) SetMapping(ctx context.Context, m mapping.Config) error {
	if _, err := mapping.Apply(m, nil); err != nil {
		return err
	}
	if err := b.store.SetSetting(ctx, mapping.SettingKey, m); err != nil {
		return err
	}
	b.mu.Lock()
	b.mapping = m
	b.mu.Unlock()
	return nil
}

// DataDir is where the database lives.
func (b *Bridge) DataDir() string { return b.opts.DataDir }

// Demo reports demo mode.
func (b *Bridge) Demo() bool { return b.opts.Demo }

// MarkURLCopied remembers the webhook URL the user copied into Mango (and
// so clears a "URL changed" incident).
func (b *Bridge) MarkURLCopied(ctx context.Context, url string) error {
	if err := b.store.SetSetting(ctx, settingCopiedURL, url); err != nil {
		return err
	}
	b.incident(IncidentURLChanged, false, "")
	return nil
}

// CopiedURL returns the URL the user last copied ("" if never).
func (b *Bridge) CopiedURL(ctx context.Context) (string, error) {
	var u string
	_, err := b.store.GetSetting(ctx, settingCopiedURL, &u)
	return u, err
}

// Preview applies a mapping to the most recently received call that has
// parameters (for the mapping editor's live preview).
func (b *Bridge) Preview(ctx context.Context, m mapping.Config) (mapping.Result, error) {
	list, err := b.store.List(ctx, calls.Filter{Limit: 20})
	if err != nil {
		return mapping.Result{}, err
	}
	for _, call := range list {
		if call.Params == "" || call.Params == "{}" {
			continue
		}
		p, err := call.ParametersErr()
		if err != nil {
			continue
		}
		return mapping.Apply(m, p)
	}
	return mapping.Result{}, ErrNoCalls
}

// ErrNoCalls: nothing has been received yet.
var ErrNoCalls = errors.New("no call received yet")

// BadSignatures counts VPBX events refused for a wrong code or signature.
func (b *Bridge) BadSignatures() int64 {
	b.mu.Lock()
	vh := b.vpbx
	b.mu.Unlock()
	if vh == nil {
		return 0
	}
	return vh.BadSignatures()
}

// ReloadSecrets applies secrets changed in the keychain while the bridge
// runs: the sender is rebuilt (the VPBX code and key) and an ngrok tunnel
// reopens (its authtoken). The TQM key is read at every request anyway.
func (b *Bridge) ReloadSecrets(ctx context.Context) {
	b.mu.Lock()
	started := b.started
	b.mu.Unlock()
	if !started {
		return
	}
	b.applySender(ctx)
	b.worker.Wake()
	b.reconcileNow()
	b.gapNow()
	if b.Road() == TunnelNgrok {
		if err := b.restartTunnel(ctx); err != nil {
			b.log.Warn("tunnel not open with the new authtoken; it keeps trying", "err", err)
		}
	}
}

// Backup writes a consistent copy of the database into the data folder's
// backups (the newest 7 are kept) and returns its path.
func (b *Bridge) Backup(ctx context.Context) (string, error) {
	p, err := b.store.Backup(ctx, store.BackupDir(b.opts.DataDir))
	if err != nil {
		return "", fmt.Errorf("back up the database: %w", err)
	}
	b.log.Info("database backed up by the user", "file", p)
	return p, nil
}

// Backups lists the database's backups, newest first.
func (b *Bridge) Backups() []string { return store.Backups(store.BackupDir(b.opts.DataDir)) }

// Restore puts the backup from in place of the database in dataDir (no
// bridge may have it open: Close the running one first) and returns where
// the replaced database is kept.
func Restore(ctx context.Context, dataDir, from string) (replaced string, err error) {
	return store.Restore(ctx, dataDir, from)
}
