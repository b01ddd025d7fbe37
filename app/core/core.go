// Package core wires mangotqm's parts into the running bridge: the store,
// the receiver behind the tunnel, the delivery worker and the event bus the
// window and tray listen to. Both front ends (command line, desktop) use it.
package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/delivery"
	"mangotqm/app/mango"
	"mangotqm/app/mapping"
	"mangotqm/app/receiver"
	"mangotqm/app/secrets"
	"mangotqm/app/vpbxevents"
	"mangotqm/assets/i18n"
	"mangotqm/store"
	"mangotqm/tunnel"
)

// Setting keys.
const (
	settingPaused     = "delivery.paused"
	settingCopiedURL  = "tunnel.copied_url"
	defaultSourceName = "calltracking"
)

// Endpoint is one public URL to paste into Mango.
type Endpoint struct {
	Name string // "calltracking", "vpbx"
	URL  string
}

// Config of the core.
type Config struct {
	DataDir string
	Secrets secrets.Store
	Tunnel  tunnel.Tunnel
	// Sender overrides how calls reach TQM (tests, demo); by default it is
	// built from TQM and Audio.
	Sender delivery.Sender
	TQM    TQMOptions
	// Audio: "upload" (default) fetches the recording (the webhook's link
	// when it needs no credentials, else the VPBX API) and uploads it;
	// "link" sends by link when the webhook's link is public, else uploads;
	// "passthrough" passes the webhook's link as fileLink unchecked (the
	// seed's Albato behaviour: TQM downloads it).
	Audio string
	// Sources: "calltracking" (default), "vpbx" or "both".
	Sources string
	// VPBXURL is Mango's VPBX API (default DefaultVPBXURL).
	VPBXURL  string
	Rate     float64         // TQM requests per second (default 5)
	Schedule []time.Duration // retry waits (default Svix's)
	// FileLinkRequired: recordings are passed to TQM as links.
	FileLinkRequired bool
	Logger           *slog.Logger
	Now              func() time.Time
	Demo             bool
	// ProbeInterval > 0 makes the core fetch its own public health URL
	// through the tunnel that often (ngrok mode) and raise an incident when
	// it stays unreachable.
	ProbeInterval time.Duration
	// Lang renders incident messages ("ru" or "en").
	Lang string
	// TunnelDownAfter: an offline tunnel raises an incident after this long
	// (default 5 minutes).
	TunnelDownAfter time.Duration
}

// Core is the running bridge.
type Core struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	bus    *bus
	worker *delivery.Worker
	recv   *receiver.Receiver
	vpbx   *vpbxevents.Handler
	secret string

	mu        sync.Mutex
	mapping   mapping.Config
	endpoints []Endpoint
	server    *http.Server
	stopRun   context.CancelFunc
	runCtx    context.Context
	runDone   chan struct{}
	tunDone   func()
	started   bool
	closed    bool
	onClose   []func()
}

// New opens the data directory and prepares the bridge; Start runs it.
func New(ctx context.Context, cfg Config) (*Core, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tunnel == nil || cfg.Secrets == nil {
		return nil, errors.New("core: tunnel and secrets are required")
	}
	sources, err := vpbxevents.ParseSources(cfg.Sources)
	if err != nil {
		return nil, err
	}
	cfg.Sources = sources
	switch cfg.Audio {
	case "":
		cfg.Audio = AudioUpload
	case AudioUpload, AudioLink, AudioPassthrough:
	default:
		return nil, fmt.Errorf("unknown audio mode %q (upload, link or passthrough)", cfg.Audio)
	}
	secret, err := secrets.EnsureWebhookSecret(ctx, cfg.Secrets)
	if err != nil {
		return nil, fmt.Errorf("webhook secret: %w", err)
	}
	st, err := store.Open(ctx, cfg.DataDir, store.Options{})
	if err != nil {
		return nil, err
	}
	c := &Core{cfg: cfg, log: cfg.Logger, store: st, bus: newBus(), secret: secret}
	if err := c.loadSettings(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	creds := VPBXCredentialSource(cfg.Secrets)
	sender, linkRequired := c.buildSender(ctx, creds)
	cfg.Sender, cfg.FileLinkRequired = sender, linkRequired || cfg.FileLinkRequired
	c.cfg = cfg
	c.worker = delivery.New(delivery.Config{
		Outbox: JoiningOutbox(st, cfg.Sources, cfg.Logger.With("part", "join"), func(row int64) {
			c.bus.publish(Event{Kind: EventCall, CallRow: row})
		}),
		Sender:           sender,
		Mapping:          c.Mapping,
		Schedule:         cfg.Schedule,
		Rate:             cfg.Rate,
		FileLinkRequired: cfg.FileLinkRequired,
		Now:              cfg.Now,
		Logger:           cfg.Logger.With("part", "delivery"),
		OnCall:           func(row int64) { c.bus.publish(Event{Kind: EventCall, CallRow: row}) },
		OnIncident:       c.incident,
		OnPause: func() {
			if err := st.SetSetting(context.Background(), settingPaused, true); err != nil {
				c.log.Error("cannot save the paused state", "err", err)
			}
			c.bus.publish(Event{Kind: EventDelivery})
		},
	})
	var paused bool
	if _, err := st.GetSetting(ctx, settingPaused, &paused); err != nil {
		c.log.Warn("cannot read the paused state; sending", "err", err)
	}
	c.worker.SetPaused(paused)
	zone, err := time.LoadLocation(c.mapping.SourceZone)
	if err != nil {
		zone = time.UTC
	}
	onStored := func(in store.Intaken) {
		c.worker.Wake()
		c.bus.publish(Event{Kind: EventCall, CallRow: in.ID})
	}
	c.recv = receiver.New(receiver.Config{
		Secret:   secret,
		Store:    st,
		Zone:     zone,
		Logger:   cfg.Logger.With("part", "receiver"),
		OnStored: onStored,
	})
	c.vpbx = MountVPBXEvents(c.recv, EventsOptions{
		Store: st, Credentials: creds, Sources: cfg.Sources, Logger: cfg.Logger.With("part", "vpbx-events"),
		OnStored:    onStored,
		OnRecording: func(string, int) { c.worker.Wake() },
		OnBadSignature: func(n int64) {
			c.incident(IncidentBadSign, true, c.text("core.vpbx_bad_signature", map[string]any{"Count": n}))
		},
	})
	return c, nil
}

func (c *Core) loadSettings(ctx context.Context) error {
	m := mapping.Default()
	found, err := c.store.GetSetting(ctx, mapping.SettingKey, &m)
	if err != nil {
		return err
	}
	if !found {
		if err := c.store.SetSetting(ctx, mapping.SettingKey, m); err != nil {
			return err
		}
	}
	c.mapping = m
	return nil
}

// Receiver exposes the HTTP handler (to add more endpoints before Start).
func (c *Core) Receiver() *receiver.Receiver { return c.recv }

// Store exposes the database (command-line listing, tests).
func (c *Core) Store() *store.Store { return c.store }

// Start re-queues calls a crash left in flight, opens the tunnel, serves the
// receiver on it and starts delivery. It returns once webhooks are accepted.
func (c *Core) Start(ctx context.Context) error {
	c.mu.Lock()
	if c.started || c.closed {
		c.mu.Unlock()
		return errors.New("core: already started")
	}
	c.started = true
	c.mu.Unlock()

	ids, err := c.store.RecoverInFlight(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c.log.Warn("call was being sent when the app stopped: sent, outcome unknown; sending again",
			"row", id)
	}

	// Forward tunnel state changes to subscribers.
	states, unsub := c.cfg.Tunnel.Subscribe()
	c.tunDone = unsub
	go c.watchTunnel(states)

	// Delivery runs whether or not the tunnel comes up: what is stored is sent.
	runCtx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	c.stopRun = cancel
	c.runCtx = runCtx
	c.runDone = make(chan struct{})
	c.mu.Unlock()
	go func() {
		defer close(c.runDone)
		_ = c.worker.Run(runCtx)
	}()
	return c.OpenTunnel(ctx)
}

// OpenTunnel opens the tunnel and serves the receiver on it. Start calls it;
// call it again after it failed (the tunnel keeps its own retries going).
func (c *Core) OpenTunnel(ctx context.Context) error {
	c.mu.Lock()
	if c.server != nil || c.closed {
		c.mu.Unlock()
		return nil
	}
	runCtx := c.runCtx
	c.mu.Unlock()
	ln, base, err := c.cfg.Tunnel.Start(ctx)
	if err != nil {
		return fmt.Errorf("open the tunnel: %w", err)
	}
	base = strings.TrimRight(base, "/")
	prefix := receiver.Prefix(c.secret)
	srv := &http.Server{
		Handler:           c.recv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelDebug),
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errors.New("core: closed")
	}
	c.endpoints = []Endpoint{{Name: defaultSourceName, URL: base + prefix + receiver.PathCalltracking},
		VPBXEventsEndpoint(base, c.secret)}
	c.server = srv
	c.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("receiver stopped", "err", err)
		}
	}()
	c.checkURLChange(ctx, base)
	if c.cfg.ProbeInterval > 0 {
		p := tunnel.NewProber(tunnel.ProberConfig{HealthURL: base + prefix + receiver.PathHealth,
			Interval: c.cfg.ProbeInterval}, tunnel.IncidentFunc(func(open bool, key string) {
			c.incident(IncidentPublicURL, open, c.text(key, nil))
		}), c.log.With("part", "probe"))
		go func() { _ = p.Run(runCtx) }()
	}
	c.bus.publish(Event{Kind: EventTunnel})
	return nil
}

// Incident kinds raised by the core itself.
const (
	IncidentPublicURL  = "public_url_unreachable"
	IncidentURLChanged = "url_changed"
	IncidentTunnelDown = "tunnel_down"
	IncidentBadSign    = "vpbx_bad_signature"
)

// watchTunnel forwards tunnel states to subscribers and raises one
// "tunnel down" incident when the tunnel stays offline for TunnelDownAfter.
func (c *Core) watchTunnel(states <-chan tunnel.Status) {
	after := c.cfg.TunnelDownAfter
	if after <= 0 {
		after = 5 * time.Minute
	}
	var timer *time.Timer
	var last tunnel.Status
	stopTimer := func() {
		if timer != nil {
			timer.Stop()
			timer = nil
		}
	}
	defer stopTimer()
	for s := range states {
		c.log.Info("tunnel state", "state", s.State, "code", s.Code, "message", s.MessageKey, "detail", s.Detail)
		c.bus.publish(Event{Kind: EventTunnel})
		switch s.State {
		case tunnel.Offline:
			last = s
			if timer == nil && s.MessageKey != tunnel.KeyClosed {
				reason := last
				timer = time.AfterFunc(after, func() {
					msg := c.text("core.tunnel_down", map[string]any{"Minutes": int(after.Minutes()),
						"Reason": c.text(reason.MessageKey, nil)})
					c.incident(IncidentTunnelDown, true, msg)
				})
			}
		case tunnel.Online:
			stopTimer()
			c.incident(IncidentTunnelDown, false, "")
		}
	}
}

func (c *Core) text(key string, data map[string]any) string {
	if c.cfg.Lang != "" {
		return i18n.T(c.cfg.Lang, key, data)
	}
	return i18n.Both(key, data)
}

// checkURLChange raises an incident when the tunnel came up with another
// URL than the one the user copied into Mango.
func (c *Core) checkURLChange(ctx context.Context, base string) {
	eps := c.Endpoints()
	in, changed, err := tunnel.URLChange(ctx, c.CopiedURL, base, eps[0].URL)
	if err != nil {
		c.log.Warn("cannot compare the webhook URL with the copied one", "err", err)
		return
	}
	if changed {
		c.incident(IncidentURLChanged, true, c.text(in.MessageKey, in.Data))
	}
}

// Close stops intake (in-flight webhooks are still stored and answered),
// lets delivery finish what is in flight (at most 10 s), then closes the
// tunnel and the database.
func (c *Core) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	srv, stop, done := c.server, c.stopRun, c.runDone
	c.mu.Unlock()

	var errs []error
	if srv != nil {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("stop receiver: %w", err))
		}
		cancel()
	}
	if stop != nil {
		stop()
		<-done
	}
	if err := c.cfg.Tunnel.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close tunnel: %w", err))
	}
	if c.tunDone != nil {
		c.tunDone()
	}
	if err := c.store.Close(); err != nil {
		errs = append(errs, err)
	}
	for _, f := range c.onClose {
		f()
	}
	return errors.Join(errs...)
}

func (c *Core) incident(kind string, open bool, message string) {
	ctx := context.Background()
	var changed bool
	var err error
	if open {
		changed, err = c.store.OpenIncident(ctx, kind, message)
	} else {
		changed, err = c.store.ClearIncident(ctx, kind)
	}
	if err != nil {
		c.log.Error("cannot record incident", "kind", kind, "err", err)
		return
	}
	if changed {
		if open {
			c.log.Warn("incident opened", "kind", kind, "message", message)
		} else {
			c.log.Info("incident cleared", "kind", kind)
		}
		c.bus.publish(Event{Kind: EventIncident, IncidentKind: kind, Opened: open, Message: message})
	}
}

// Subscribe returns live change events.
func (c *Core) Subscribe() (<-chan Event, func()) { return c.bus.Subscribe() }

// Endpoints returns the URLs to paste into Mango (empty until the tunnel is up).
func (c *Core) Endpoints() []Endpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Endpoint(nil), c.endpoints...)
}

// TunnelStatus returns the tunnel's current state.
func (c *Core) TunnelStatus() tunnel.Status {
	ch, stop := c.cfg.Tunnel.Subscribe()
	defer stop()
	return <-ch
}

// Calls lists stored calls.
func (c *Core) Calls(ctx context.Context, f calls.Filter) ([]calls.Call, error) {
	return c.store.List(ctx, f)
}

// Call returns one call and its tries.
func (c *Core) Call(ctx context.Context, row int64) (calls.Call, []calls.Attempt, error) {
	call, err := c.store.Get(ctx, row)
	if err != nil {
		return calls.Call{}, nil, err
	}
	atts, err := c.store.Attempts(ctx, row)
	return call, atts, err
}

// Counts returns the outbox counts ("today" in local time).
func (c *Core) Counts(ctx context.Context) (calls.Counts, error) {
	now := c.cfg.Now()
	y, m, d := now.Date()
	return c.store.Counts(ctx, time.Date(y, m, d, 0, 0, 0, 0, now.Location()))
}

// Resend re-queues one call.
func (c *Core) Resend(ctx context.Context, row int64) error {
	if err := c.store.Resend(ctx, row); err != nil {
		return err
	}
	c.log.Info("call re-queued by the user", "row", row)
	c.clearFailedIncident(ctx)
	c.worker.Wake()
	c.bus.publish(Event{Kind: EventCall, CallRow: row})
	return nil
}

// ResendFailedSince re-queues every failed or needs-attention call since t.
func (c *Core) ResendFailedSince(ctx context.Context, since time.Time) (int, error) {
	n, err := c.store.ResendFailedSince(ctx, since)
	if err != nil {
		return 0, err
	}
	c.log.Info("failed calls re-queued by the user", "count", n, "since", since)
	c.clearFailedIncident(ctx)
	c.worker.Wake()
	c.bus.publish(Event{Kind: EventCall})
	return n, nil
}

// clearFailedIncident closes the "a call failed for good" incident once no
// call is failed any more (the next failure opens, and notifies, again).
func (c *Core) clearFailedIncident(ctx context.Context) {
	if n, err := c.Counts(ctx); err == nil && n.Failed == 0 {
		c.incident(delivery.IncidentCallFailed, false, "")
	}
}

// SetPaused pauses or resumes sending (receiving goes on).
func (c *Core) SetPaused(ctx context.Context, paused bool) error {
	if err := c.store.SetSetting(ctx, settingPaused, paused); err != nil {
		return err
	}
	c.worker.SetPaused(paused)
	if !paused {
		c.incident(delivery.IncidentKeyRejected, false, "")
		c.worker.Wake()
	}
	c.log.Info("delivery state changed by the user", "paused", paused)
	c.bus.publish(Event{Kind: EventDelivery})
	return nil
}

// Paused reports whether sending is paused.
func (c *Core) Paused() bool { return c.worker.Paused() }

// Incidents lists open incidents.
func (c *Core) Incidents(ctx context.Context) ([]calls.Incident, error) {
	return c.store.OpenIncidents(ctx)
}

// Mapping returns the current mapping.
func (c *Core) Mapping(ctx context.Context) (mapping.Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mapping, nil
}

// SetMapping validates and stores a new mapping; it applies to every try
// from now on.
func (c *Core) SetMapping(ctx context.Context, m mapping.Config) error {
	if _, err := mapping.Apply(m, nil); err != nil {
		return err
	}
	if err := c.store.SetSetting(ctx, mapping.SettingKey, m); err != nil {
		return err
	}
	c.mu.Lock()
	c.mapping = m
	c.mu.Unlock()
	return nil
}

// DataDir is where the database lives.
func (c *Core) DataDir() string { return c.cfg.DataDir }

// Demo reports demo mode.
func (c *Core) Demo() bool { return c.cfg.Demo }

// MarkURLCopied remembers the webhook URL the user copied into Mango (and
// so clears a "URL changed" incident).
func (c *Core) MarkURLCopied(ctx context.Context, url string) error {
	if err := c.store.SetSetting(ctx, settingCopiedURL, url); err != nil {
		return err
	}
	c.incident(IncidentURLChanged, false, "")
	return nil
}

// CopiedURL returns the URL the user last copied ("" if never).
func (c *Core) CopiedURL(ctx context.Context) (string, error) {
	var u string
	_, err := c.store.GetSetting(ctx, settingCopiedURL, &u)
	return u, err
}

// Preview applies a mapping to the most recently received call that has
// parameters (for the mapping editor's live preview).
func (c *Core) Preview(ctx context.Context, m mapping.Config) (mapping.Result, error) {
	list, err := c.store.List(ctx, calls.Filter{Limit: 20})
	if err != nil {
		return mapping.Result{}, err
	}
	for _, call := range list {
		if call.Params == "" || call.Params == "{}" {
			continue
		}
		var p mango.Params
		if err := json.Unmarshal([]byte(call.Params), &p); err != nil {
			continue
		}
		return mapping.Apply(m, p)
	}
	return mapping.Result{}, ErrNoCalls
}

// ErrNoCalls: nothing has been received yet.
var ErrNoCalls = errors.New("no call received yet")

// BadSignatures counts VPBX events refused for a wrong code or signature.
func (c *Core) BadSignatures() int64 { return c.vpbx.BadSignatures() }
