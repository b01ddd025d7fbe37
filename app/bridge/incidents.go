package bridge

import (
	"context"
	"time"

	"mangotqm/tunnel"
)

// Incident kinds raised by the bridge itself.
const (
	IncidentPublicURL  = "public_url_unreachable"
	IncidentURLChanged = "url_changed"
	IncidentTunnelDown = "tunnel_down"
	IncidentBadSign    = "vpbx_bad_signature"
	IncidentMono       = "mono_recording"
	IncidentStorage    = "storage"
)

// storageFault opens (err != nil) or clears the storage incident: the
// database file is gone, damaged or the disk is full; the receiver answers
// 503 meanwhile, so Mango retries and nothing acknowledged is lost.
func (b *Bridge) storageFault(err error) {
	if err == nil {
		b.incident(IncidentStorage, false, "")
		return
	}
	b.incident(IncidentStorage, true, b.text("core.storage_fault", map[string]any{"Error": err.Error()}))
}

// watchTunnel forwards tunnel states to subscribers and raises one
// "tunnel down" incident when the tunnel stays offline for TunnelDownAfter.
func (b *Bridge) watchTunnel(states <-chan tunnel.Status) {
	after := b.opts.TunnelDownAfter
	if after <= 0 {
		after = 5 * time.Minute
	}
	var timer chan struct{} // closed to stop the pending "tunnel down"
	stopTimer := func() {
		if timer != nil {
			close(timer)
			timer = nil
		}
	}
	defer stopTimer()
	for s := range states {
		if s.MessageKey != "" && s.State == tunnel.Offline {
			b.log.Warn("tunnel state", "state", s.State, "code", s.Code, "reason", b.text(s.MessageKey, map[string]any{"Code": s.Code}),
				"detail", s.Detail)
		} else {
			b.log.Info("tunnel state", "state", s.State)
		}
		b.publish(Event{Kind: EventTunnel})
		switch s.State {
		case tunnel.Offline:
			if timer == nil && s.MessageKey != tunnel.KeyClosed {
				reason, stop, due := s, make(chan struct{}), b.opts.Clock.After(after)
				timer = stop
				go func() {
					select {
					case <-stop:
						return
					case <-due:
					}
					msg := b.text("core.tunnel_down", map[string]any{"Minutes": int(after.Minutes()),
						"Reason": b.text(reason.MessageKey, nil)})
					b.incident(IncidentTunnelDown, true, msg)
				}()
			}
		case tunnel.Online:
			stopTimer()
			b.incident(IncidentTunnelDown, false, "")
		}
	}
}

// checkURLChange raises an incident when the tunnel came up with another
// URL than the one the user copied into Mango.
func (b *Bridge) checkURLChange(ctx context.Context, base string) {
	eps := b.Endpoints()
	if len(eps) == 0 {
		return
	}
	in, changed, err := tunnel.URLChange(ctx, b.CopiedURL, base, eps[0].URL)
	if err != nil {
		b.log.Warn("cannot compare the webhook URL with the copied one", "err", err)
		return
	}
	if changed {
		b.incident(IncidentURLChanged, true, b.text(in.MessageKey, in.Data))
	}
}

// incident opens or clears an incident of kind, logs and publishes the
// change once.
func (b *Bridge) incident(kind string, open bool, message string) {
	ctx := context.Background()
	var changed bool
	var err error
	if open {
		changed, err = b.store.OpenIncident(ctx, kind, message)
	} else {
		changed, err = b.store.ClearIncident(ctx, kind)
	}
	if err != nil {
		b.log.Error("cannot record incident", "kind", kind, "err", err)
		b.alertUnrecorded(kind, open, message)
		return
	}
	if changed {
		if open {
			b.log.Warn("incident opened", "kind", kind, "message", message)
		} else {
			b.log.Info("incident cleared", "kind", kind)
		}
		b.publish(Event{Kind: EventIncident, IncidentKind: kind, Opened: open, Message: message})
	}
}
