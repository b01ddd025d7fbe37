package bridge

// The road Mango's calls take to the bridge (config.Road): ngrok, the
// office's own address, or polling Mango's statistics with no way in. The
// desktop follows the saved road live (TunnelSaved); `serve --tunnel`
// overrides it for one run.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"mangotqm/app/config"
	"mangotqm/app/receiver"
	"mangotqm/app/reconcile"
	"mangotqm/tunnel"
)

// KeyPollNeedsVPBX (assets/i18n/*/roads.json): the poll road without the
// VPBX code and signing key.
const KeyPollNeedsVPBX = "road.poll.needs_vpbx"

// ownProbeInterval: the own address has no request quota; probe it every
// 5 minutes.
const ownProbeInterval = 5 * time.Minute

type roadState struct {
	silent      atomic.Bool // the silent-webhooks incident is open (silent.go)
	mu          sync.Mutex
	probeCancel context.CancelFunc
	prober      *tunnel.Prober
	refusal     tunnel.Status // the self-probe met an ngrok refusal (ERR_NGROK_727)
}

// RoadKind maps a saved road to the tunnel kind that runs it.
func RoadKind(k config.RoadKind) TunnelKind {
	switch k {
	case config.RoadOwn:
		return TunnelNone
	case config.RoadPoll:
		return TunnelPoll
	}
	return TunnelNgrok
}

// Road is the road in effect: the saved one (TunnelSaved) or the one this
// run was given.
func (b *Bridge) Road() TunnelKind {
	if b.opts.Tunnel == TunnelSaved {
		return RoadKind(b.Config().Road.Kind)
	}
	return b.opts.Tunnel
}

// ownTunnel builds the own-address listener of the saved road.
func (b *Bridge) ownTunnel() (tunnel.Tunnel, error) {
	r := b.Config().Road
	n := tunnel.NewNone(r.Listen, config.NormalizePublicURL(r.PublicURL))
	n.Clock = b.opts.Clock
	if r.AllowMangoOnly {
		a, err := tunnel.NewAllowList(config.MangoSourceAddrs)
		if err != nil {
			return nil, err
		}
		n.Allow = a
	}
	return n, nil
}

// probeEvery is how often the public URL is probed from outside.
func (b *Bridge) probeEvery() time.Duration {
	if b.opts.ProbeInterval != 0 {
		return max(b.opts.ProbeInterval, 0)
	}
	switch {
	case b.Road() == TunnelNgrok:
		return tunnelProbeInterval
	case b.Road() == TunnelNone && (b.opts.Tunnel == TunnelSaved || b.opts.PublicURL != ""):
		return ownProbeInterval
	}
	return 0
}

// startProbe probes healthURL every interval until the road changes or
// the bridge stops; the previous road's prober stops.
func (b *Bridge) startProbe(runCtx context.Context, tun tunnel.Tunnel, healthURL string, every time.Duration) {
	ctx, cancel := context.WithCancel(runCtx)
	var p *tunnel.Prober
	p = tunnel.NewProber(tunnel.ProberConfig{HealthURL: healthURL, Interval: every, Clock: b.opts.Clock},
		tunnel.IncidentFunc(func(open bool, key string) {
			st := tunnel.Status{MessageKey: key, Code: p.Code()}
			b.road.mu.Lock()
			b.road.refusal = tunnel.Status{}
			if open && tunnel.SuggestsOtherRoad(key) {
				b.road.refusal = st // the window offers another road
			}
			b.road.mu.Unlock()
			b.incident(IncidentPublicURL, open, b.tunnelText(st))
			b.publish(Event{Kind: EventTunnel})
		}), b.log.With("part", "probe"))
	b.road.mu.Lock()
	if b.road.probeCancel != nil {
		b.road.probeCancel()
	}
	b.road.probeCancel, b.road.prober = cancel, p
	b.road.mu.Unlock()
	go func() { _ = p.Run(ctx) }()
}

// tunnelText renders a tunnel message (its code and docs link filled in).
func (b *Bridge) tunnelText(s tunnel.Status) string {
	if b.opts.Lang != "" {
		return tunnel.Message(b.opts.Lang, s)
	}
	return tunnel.MessageBoth(s)
}

// loopMode is what the reconcile loop runs on this road: polls every
// PollEvery, or reconciles every ReconcileEvery.
func (b *Bridge) loopMode() (poll bool, every time.Duration) {
	c := b.Config()
	if b.Road() == TunnelPoll {
		return true, time.Duration(c.Road.PollEvery)
	}
	return false, time.Duration(c.ReconcileEvery)
}

// applyLoopMode sets the loop to the road's mode and interval.
func (b *Bridge) applyLoopMode() {
	b.rec.mu.Lock()
	loop := b.rec.loop
	b.rec.mu.Unlock()
	if loop == nil {
		return
	}
	poll, every := b.loopMode()
	if loop.Polling() != poll || loop.Every() != every {
		b.log.Info("calls from Mango's statistics", "poll", poll, "every", every)
		loop.SetPoll(poll, every)
	}
}

// applyRoad applies a configuration change to the road (SetConfig): the
// loop's mode and interval, and a new tunnel when the road or what it
// listens on changed (the ngrok domain, the own address).
func (b *Bridge) applyRoad(old, c config.Config) {
	b.applyLoopMode()
	b.mu.Lock()
	started := b.started
	b.mu.Unlock()
	if !started || b.opts.TunnelOverride != nil {
		return
	}
	changed := false
	switch {
	case b.opts.Tunnel == TunnelSaved && old.Road != c.Road:
		changed = old.Road.Kind != c.Road.Kind || (c.Road.Kind == config.RoadOwn)
	}
	if !changed && old.NgrokDomain != c.NgrokDomain && b.Road() == TunnelNgrok {
		changed = true
	}
	if !changed {
		return
	}
	go func() {
		rctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := b.SwitchRoad(rctx); err != nil {
			b.log.Warn("the new road is not open yet; it keeps trying", "err", err)
		}
	}()
}

// SwitchRoad replaces the road's tunnel with the one the configuration
// now asks for: the old listener stops serving (stored calls are kept and
// delivered), the new one opens; the poll road opens none.
func (b *Bridge) SwitchRoad(ctx context.Context) error {
	b.mu.Lock()
	if !b.started || b.closed || b.opts.TunnelOverride != nil {
		b.mu.Unlock()
		return nil
	}
	old, srv, unsub, secret := b.tun, b.server, b.tunDone, b.secret
	b.server, b.endpoints, b.tun, b.tunDone = nil, nil, nil, nil
	b.mu.Unlock()
	b.road.mu.Lock()
	if b.road.probeCancel != nil {
		b.road.probeCancel()
		b.road.probeCancel, b.road.prober = nil, nil
	}
	b.road.refusal = tunnel.Status{}
	b.road.mu.Unlock()
	if srv != nil {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
	}
	if unsub != nil {
		unsub()
	}
	if old != nil {
		if err := old.Close(); err != nil {
			b.log.Warn("close the old road", "err", err)
		}
	}
	// The old road's incidents do not apply to the new one.
	b.incident(IncidentPublicURL, false, "")
	b.incident(IncidentTunnelDown, false, "")
	b.applyLoopMode()
	tun, err := b.newTunnel(ctx, secret)
	if err != nil {
		b.publish(Event{Kind: EventTunnel})
		return err
	}
	b.mu.Lock()
	b.tun = tun
	b.mu.Unlock()
	b.watch(tun)
	b.log.Info("road switched", "road", b.Road())
	if tun == nil {
		b.publish(Event{Kind: EventTunnel})
		return nil
	}
	return b.OpenTunnel(ctx)
}

// RoadStatus is the road's state for the window's header.
type RoadStatus struct {
	Kind   TunnelKind
	Tunnel tunnel.Status // ngrok and own address
	// Poll road: the interval and the last poll (ok false before the
	// first).
	Every   time.Duration
	Last    reconcile.Result
	HasLast bool
	NoKeys  bool // no poll yet, and the VPBX code and signing key are not set
	// Refusal: ngrok refused through the self-probe (ERR_NGROK_727, the
	// month's requests used up) while the tunnel itself is online.
	Refusal tunnel.Status
}

// RoadStatus returns the road in effect and its state.
func (b *Bridge) RoadStatus() RoadStatus {
	s := RoadStatus{Kind: b.Road()}
	if s.Kind == TunnelPoll {
		s.Every = time.Duration(b.Config().Road.PollEvery)
		s.Last, s.HasLast = b.LastReconcile()
		if !s.HasLast {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.NoKeys = !b.vpbxReady(ctx)
			cancel()
		}
		return s
	}
	s.Tunnel = b.TunnelStatus()
	b.road.mu.Lock()
	s.Refusal = b.road.refusal
	b.road.mu.Unlock()
	return s
}

// CheckOwnAddress checks that publicURL reaches listen from outside, as
// Mango would (the live check of the own address): through the running
// bridge's health path when it listens there, else through a moment's
// listener of its own. The error hides the secret.
func (b *Bridge) CheckOwnAddress(ctx context.Context, listen, publicURL string) error {
	base := config.NormalizePublicURL(publicURL)
	if err := config.CheckPublicURL(base); err != nil {
		return fmt.Errorf("public-url: %w", err)
	}
	b.mu.Lock()
	secret, listening := b.secret, b.server != nil && b.tun != nil
	b.mu.Unlock()
	if listening && b.Road() == TunnelNone {
		return tunnel.CheckOnce(ctx, base+receiver.Prefix(secret)+receiver.PathHealth, 15*time.Second)
	}
	return tunnel.CheckOwn(ctx, listen, base, 15*time.Second)
}

// CheckPoll sends one signed statistics request over the last minute (the
// live check of the poll road) and waits for its answer.
func (b *Bridge) CheckPoll(ctx context.Context) error {
	if !b.vpbxReady(ctx) {
		return ErrNoVPBX
	}
	now := b.opts.Clock.Now()
	_, err := b.reconcileEngine().Check(ctx, now.Add(-time.Minute), now)
	return err
}
