// Package bridge owns the running bridge and the facade both front ends use:
// it opens the data folder and its shared configuration, wires the receiver,
// delivery, recordings, VPBX events and the tunnel (one wiring for `serve`
// and the desktop app), applies configuration changes without a restart,
// and publishes what changed.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"mangotqm/app/alerts"
	"mangotqm/app/clock"
	"mangotqm/app/config"
	"mangotqm/app/delivery"
	"mangotqm/app/hub"
	"mangotqm/app/instance"
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
	settingCopiedURL = "tunnel.copied_url"
)

// Endpoint is one public URL to paste into Mango.
type Endpoint struct {
	Name string // "calltracking", "vpbx"
	URL  string
}

// TunnelKind says how Mango reaches this machine.
type TunnelKind string

// Tunnel kinds.
const (
	TunnelNone  TunnelKind = "none"  // listen locally (behind a reverse proxy, or for tests)
	TunnelNgrok TunnelKind = "ngrok" // an ngrok endpoint on the configured dev domain
	TunnelPoll  TunnelKind = "poll"  // no way in: calls are read from Mango's statistics (road.go)
	TunnelSaved TunnelKind = "saved" // the road of the configuration, applied live (road.go)
)

// Options open a bridge. Only DataDir and Secrets are required.
type Options struct {
	DataDir string
	Secrets secrets.Store
	// Override changes the stored configuration for this run only (the
	// command line's flags); nothing it sets is saved.
	Override func(*config.Config) error
	// Tunnel: how Mango reaches us (default TunnelNone); Listen and
	// PublicURL apply to TunnelNone.
	Tunnel    TunnelKind
	Listen    string // default 127.0.0.1:8787
	PublicURL string
	// Lang renders incident messages ("ru" or "en"; "" = both).
	Lang string
	// Server: messages are for a server admin (secrets come from
	// environment variables, settings from flags), not the desktop window.
	Server  bool
	Version string
	Logger  *slog.Logger
	// Clock tells the time and waits (default clock.Real).
	Clock clock.Clock
	Demo  bool

	// Tuning, for tests and demo mode.

	// TunnelOverride replaces the tunnel Tunnel would build.
	TunnelOverride tunnel.Tunnel
	// Sender replaces how calls reach TQM (built from the configuration
	// and the secrets otherwise).
	Sender   Sender
	Schedule []time.Duration // retry waits (default Svix's)
	// ProbeInterval > 0 fetches our own public health URL through the
	// tunnel that often (default 15 minutes with ngrok, else never).
	ProbeInterval time.Duration
	// TunnelDownAfter: an offline tunnel raises an incident after this
	// long (default 5 minutes).
	TunnelDownAfter time.Duration
}

// ErrMissingSecret: a secret the bridge needs is not stored.
var ErrMissingSecret = errors.New("a required secret is missing")

// tunnelProbeInterval: every 15 minutes ≈ 2,900 requests a month of the
// ngrok free plan's 20,000.
const tunnelProbeInterval = 15 * time.Minute

// Bridge is the running bridge.
type Bridge struct {
	owner  *instance.Owner
	opts   Options
	log    *slog.Logger
	store  *store.Store
	events *hub.Hub[Event]
	worker *delivery.Worker
	sender *liveSender
	alerts *alerts.Service // app/bridge/alerts.go

	mu        sync.Mutex
	cfg       config.Config
	mapping   mapping.Config
	secret    string
	recv      *receiver.Receiver
	vpbx      *vpbxevents.Handler
	tun       tunnel.Tunnel
	tunDone   func()
	endpoints []Endpoint
	server    *http.Server
	stopRun   context.CancelFunc
	runCtx    context.Context
	runDone   chan struct{}
	started   bool
	closed    bool
	onClose   []func()
	rec       reconcileState // app/bridge/reconcile.go
	gap       gapState       // app/bridge/gap.go
	road      roadState      // app/bridge/road.go

	previewRows rowCache      // app/bridge/rules.go
	employees   employeeCache // app/bridge/employees.go
}

// Open opens the data folder, its database and the shared configuration
// (with opts.Override applied for this run). It needs no secret: the
// desktop's first-run wizard reads and writes the configuration through an
// opened bridge. Start runs it.
func Open(ctx context.Context, opts Options) (*Bridge, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Clock = clock.Or(opts.Clock)
	if opts.Secrets == nil {
		return nil, errors.New("bridge: a secret store is required")
	}
	if opts.Tunnel == "" {
		opts.Tunnel = TunnelNone
	}
	if opts.Tunnel != TunnelNone && opts.Tunnel != TunnelNgrok && opts.Tunnel != TunnelPoll && opts.Tunnel != TunnelSaved {
		return nil, fmt.Errorf("unknown tunnel %q (none, ngrok, poll or saved)", opts.Tunnel)
	}
	if opts.ProbeInterval == 0 && opts.Tunnel == TunnelNgrok {
		opts.ProbeInterval = tunnelProbeInterval
	}
	// One bridge per data folder: a second one (another serve, or serve
	// beside the desktop app) is refused, naming the first one's PID.
	// Commands that only add calls (resend, backfill) work alongside.
	owner, err := instance.AcquireOwner(opts.DataDir)
	if err != nil {
		return nil, err
	}
	var b *Bridge
	st, err := store.Open(ctx, opts.DataDir, store.Options{OnFault: func(err error) {
		if b != nil {
			b.storageFault(err)
		}
	}})
	if err != nil {
		_ = owner.Release()
		return nil, err
	}
	b = &Bridge{owner: owner, opts: opts, log: opts.Logger, store: st, events: hub.New(Event{Kind: EventStarted, At: opts.Clock.Now()})}
	if err := b.load(ctx); err != nil {
		_ = st.Close()
		_ = owner.Release()
		return nil, err
	}
	b.sender = &liveSender{}
	b.alerts = b.newAlerts()
	b.worker = delivery.New(delivery.Config{
		Outbox: st,
		Join: JoinStep(st, b.sources, b.log.With("part", "join"), func(row int64) {
			b.publish(Event{Kind: EventCall, CallRow: row})
		}),
		Sender:           b.sender,
		Pauses:           st,
		Stuck:            st,
		KeyFingerprint:   b.sender.KeyFingerprint,
		Mapping:          b.Mapping,
		Schedule:         schedule(opts.Schedule),
		Rate:             b.cfg.Rate,
		FileLinkRequired: b.sender.linkRequired,
		Clock:            opts.Clock,
		Logger:           b.log.With("part", "delivery"),
		OnCall:           func(row int64) { b.publish(Event{Kind: EventCall, CallRow: row}) },
		OnResume:         func() { b.publish(Event{Kind: EventDelivery}) },
		OnIncident:       b.incident,
		OnPause: func() {
			if err := st.SetSetting(context.Background(), store.SettingPaused, true); err != nil {
				b.log.Error("cannot save the paused state", "err", err)
			}
			b.publish(Event{Kind: EventDelivery})
		},
	})
	// The worker restores a saved pause (and why) when it starts.
	return b, nil
}

// load reads the configuration (plus this run's overrides) and the mapping.
func (b *Bridge) load(ctx context.Context) error {
	cfg, err := config.Load(ctx, b.store)
	if err != nil {
		return err
	}
	if b.opts.Override != nil {
		if err := b.opts.Override(&cfg); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
	}
	m := mapping.Default()
	found, err := b.store.GetSetting(ctx, mapping.SettingKey, &m)
	if err != nil {
		return err
	}
	if !found {
		if err := b.store.SetSetting(ctx, mapping.SettingKey, m); err != nil {
			return err
		}
	}
	b.cfg, b.mapping = cfg, m
	return nil
}

// Start checks the secrets the bridge needs, re-queues calls a crash left
// in flight, starts delivery, opens the tunnel and serves the receiver on
// it. It returns once webhooks are accepted; if the tunnel cannot open,
// delivery keeps running and OpenTunnel may be called again.
func (b *Bridge) Start(ctx context.Context) error {
	b.mu.Lock()
	if b.started || b.closed {
		b.mu.Unlock()
		return errors.New("bridge: already started")
	}
	b.started = true
	b.mu.Unlock()

	if b.opts.Sender == nil {
		if _, err := b.opts.Secrets.Get(ctx, secrets.TQMKey); err != nil {
			return fmt.Errorf("the TQM access key: %w (%w)", ErrMissingSecret, err)
		}
	}
	secret, err := secrets.EnsureWebhookSecret(ctx, b.opts.Secrets)
	if err != nil {
		return fmt.Errorf("webhook secret: %w", err)
	}
	tun, err := b.newTunnel(ctx, secret)
	if err != nil {
		return err
	}
	zone, err := time.LoadLocation(b.mapping.SourceZone)
	if err != nil {
		zone = time.UTC
	}
	recv, vh := b.intake(secret, zone)
	b.mu.Lock()
	b.secret, b.recv, b.vpbx, b.tun = secret, recv, vh, tun
	b.mu.Unlock()
	b.applySender(ctx)

	ids, err := b.store.RecoverInFlight(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		b.log.Warn("call was being sent when the app stopped: sent, outcome unknown; sending again", "row", id)
	}
	b.watch(tun)

	// Delivery runs whether or not the tunnel comes up: what is stored is sent.
	runCtx, cancel := context.WithCancel(context.Background())
	b.mu.Lock()
	b.stopRun, b.runCtx, b.runDone = cancel, runCtx, make(chan struct{})
	b.mu.Unlock()
	go func() {
		defer close(b.runDone)
		_ = b.worker.Run(runCtx)
	}()
	go b.store.RunBackupsReport(runCtx, store.BackupDir(b.opts.DataDir), store.BackupEvery, b.log.With("part", "backup"), b.backupResult)
	go b.runAlerts(runCtx)
	b.startReconcile()
	b.startGap()
	return b.OpenTunnel(ctx)
}

// newTunnel builds the tunnel Options ask for.
func (b *Bridge) newTunnel(ctx context.Context, secret string) (tunnel.Tunnel, error) {
	if b.opts.TunnelOverride != nil {
		return b.opts.TunnelOverride, nil
	}
	switch b.Road() {
	case TunnelPoll:
		// No listener: the reconcile loop polls (road.go). Without the VPBX
		// keys it waits for them (RoadStatus says so); delivery runs anyway.
		if !b.vpbxReady(ctx) {
			b.log.Warn(b.text(KeyPollNeedsVPBX, nil))
		}
		return nil, nil
	case TunnelNone:
		if b.opts.Tunnel == TunnelSaved {
			return b.ownTunnel()
		}
		listen := b.opts.Listen
		if listen == "" {
			listen = "127.0.0.1:8787"
		}
		n := tunnel.NewNone(listen, strings.TrimRight(b.opts.PublicURL, "/"))
		n.Clock = b.opts.Clock
		return n, nil
	}
	token, err := b.opts.Secrets.Get(ctx, secrets.NgrokAuthtoken)
	if err == nil && strings.TrimSpace(token) == "" {
		err = secrets.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%w)", b.text(tunnel.KeyNoAuthtoken, nil), ErrMissingSecret, err)
	}
	return tunnel.NewNgrok(tunnel.NgrokConfig{
		Authtoken:     strings.TrimSpace(token),
		URL:           b.Config().NgrokDomain,
		WebhookPrefix: receiver.Prefix(secret),
		Version:       b.opts.Version,
		Clock:         b.opts.Clock,
	}, b.log.With("part", "tunnel")), nil
}

// watch forwards the tunnel's states (see watchTunnel) until the tunnel is
// replaced or the bridge closes.
func (b *Bridge) watch(tun tunnel.Tunnel) {
	if tun == nil {
		return
	}
	states, unsub := tun.Subscribe()
	b.mu.Lock()
	b.tunDone = unsub
	b.mu.Unlock()
	go b.watchTunnel(states)
}

// OpenTunnel opens the tunnel and serves the receiver on it. Start calls it;
// call it again after it failed (the tunnel keeps its own retries going).
func (b *Bridge) OpenTunnel(ctx context.Context) error {
	b.mu.Lock()
	if b.server != nil || b.closed || b.tun == nil {
		b.mu.Unlock()
		return nil
	}
	tun, runCtx, secret, recv := b.tun, b.runCtx, b.secret, b.recv
	b.mu.Unlock()
	ln, base, err := tun.Start(ctx)
	if err != nil {
		return fmt.Errorf("open the tunnel: %w", err)
	}
	base = strings.TrimRight(base, "/")
	prefix := receiver.Prefix(secret)
	srv := receiver.NewServer(recv, b.log.With("part", "receiver"))
	b.mu.Lock()
	if b.closed || b.tun != tun {
		b.mu.Unlock()
		_ = ln.Close()
		return errors.New("bridge: closed")
	}
	b.endpoints = []Endpoint{{Name: string(config.SourcesCalltracking), URL: base + prefix + receiver.PathCalltracking},
		VPBXEventsEndpoint(base, secret)}
	b.server = srv
	b.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("receiver stopped", "err", err)
		}
	}()
	b.checkURLChange(ctx, base)
	if every := b.probeEvery(); every > 0 {
		b.startProbe(runCtx, tun, base+prefix+receiver.PathHealth, every)
	}
	b.publish(Event{Kind: EventTunnel})
	return nil
}

// restartTunnel replaces the tunnel (the ngrok domain changed): the old
// one stops serving, the new one opens with the current configuration.
func (b *Bridge) restartTunnel(ctx context.Context) error {
	b.mu.Lock()
	if !b.started || b.closed || b.opts.TunnelOverride != nil || b.tun == nil {
		b.mu.Unlock()
		return nil
	}
	old, srv, unsub, secret := b.tun, b.server, b.tunDone, b.secret
	b.server, b.endpoints = nil, nil
	b.mu.Unlock()
	if srv != nil {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
	}
	if unsub != nil {
		unsub()
	}
	if err := old.Close(); err != nil {
		b.log.Warn("close the old tunnel", "err", err)
	}
	tun, err := b.newTunnel(ctx, secret)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.tun = tun
	b.mu.Unlock()
	b.watch(tun)
	b.log.Info("tunnel restarted with the new settings")
	return b.OpenTunnel(ctx)
}

func (b *Bridge) text(key string, data map[string]any) string {
	if b.opts.Server && i18n.Has(key+"_env") {
		key += "_env"
	}
	if b.opts.Lang != "" {
		return i18n.T(b.opts.Lang, key, data)
	}
	return i18n.Both(key, data)
}

// Close stops intake (in-flight webhooks are still stored and answered),
// lets delivery finish what is in flight (at most 10 s), then closes the
// tunnel and the database.
func (b *Bridge) Close(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	srv, stop, done, tun, unsub := b.server, b.stopRun, b.runDone, b.tun, b.tunDone
	b.mu.Unlock()

	var errs []error
	if srv != nil {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("stop receiver: %w", err))
		}
		cancel()
	}
	b.stopGap()
	b.stopReconcile()
	if stop != nil {
		stop()
		<-done
	}
	if tun != nil {
		if err := tun.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close tunnel: %w", err))
		}
	}
	if unsub != nil {
		unsub()
	}
	if err := b.store.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := b.owner.Release(); err != nil {
		errs = append(errs, err)
	}
	for _, f := range b.onClose {
		f()
	}
	return errors.Join(errs...)
}

// OnClose runs f after the bridge closed (demo mode stops its sandbox).
func (b *Bridge) OnClose(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onClose = append(b.onClose, f)
}
