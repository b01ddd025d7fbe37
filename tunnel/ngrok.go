package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jpillora/backoff"
	"golang.ngrok.com/ngrok/v2"

	"mangotqm/app/clock"
	"mangotqm/app/hub"
)

// NgrokConfig configures the ngrok tunnel.
type NgrokConfig struct {
	// Authtoken from https://dashboard.ngrok.com/get-started/your-authtoken.
	// Required; never logged.
	Authtoken string
	// URL is the account's dev/static domain, e.g. https://x.ngrok-free.dev.
	// Optional: empty lets ngrok pick (may not be stable across restarts).
	URL string
	// WebhookPrefix is the secret path prefix ("/mango/<secret>/"). When set,
	// a Traffic Policy makes ngrok answer 404 to every other path and method.
	WebhookPrefix string
	// AllowedMethods for the Traffic Policy (default GET, POST).
	AllowedMethods []string
	// ConnectURL overrides ngrok's server address (host:port); for tests.
	ConnectURL string
	// StartTimeout bounds one connect-and-listen attempt (default 20 s).
	StartTimeout time.Duration
	// RetryMin and RetryMax bound the pause between failed attempts (default
	// 2 s and 60 s; doubled after each failure).
	RetryMin, RetryMax time.Duration
	// Version of mangotqm, sent to ngrok as client info.
	Version string
	// AgentOptions are extra ngrok agent options (proxy, TLS, dialer…).
	AgentOptions []ngrok.AgentOption
}

const (
	defaultStartTimeout = 20 * time.Second
	defaultRetryMin     = 2 * time.Second
	defaultRetryMax     = 60 * time.Second
	// closeTimeout bounds each cleanup call into ngrok-go.
	closeTimeout = 5 * time.Second
	// sdkBackoffMin/Max mirror ngrok-go's own reconnect backoff
	// (internal/tunnel/client/reconnecting.go); used to estimate NextRetry.
	sdkBackoffMin = 500 * time.Millisecond
	sdkBackoffMax = 30 * time.Second
)

type phase int

const (
	phaseIdle         phase = iota
	phaseAttempting         // connect + listen in progress
	phaseWaiting            // attempt failed; pausing before the next one
	phaseOnline             // endpoint bound
	phaseReconnecting       // was online; ngrok-go is reconnecting by itself
	phaseClosed
)

// Ngrok is a Tunnel through ngrok (golang.ngrok.com/ngrok/v2). Once started it
// stays up until Close: ngrok-go reconnects the session by itself after a
// network loss, and when an attempt fails (or the endpoint is lost) a
// supervisor starts a new one after a growing pause. Every call into ngrok-go
// runs under a bound, so nothing hangs.
//
// The listener returned by Start (also available from Listener) survives
// reconnects: Accept waits while the tunnel is down.
type Ngrok struct {
	cfg    NgrokConfig
	cfgErr error
	policy string
	log    *slog.Logger
	states *hub.Hub[Status]
	relay  *relay

	life   context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the supervisor exits

	mu          sync.Mutex
	started     bool
	phase       phase
	gen         uint64 // events from agents of other generations are ignored
	url         string
	ep          net.Listener // current endpoint
	lost        chan struct{}
	lostOnce    *sync.Once
	abort       chan error    // current attempt: a failure retrying won't fix
	lastErr     error         // last failure (attempt or ngrok-go event)
	attemptErr  error         // last ngrok-go error during the current attempt
	attemptDone chan struct{} // closed and replaced after each attempt outcome
	sdkFails    int
}

// NewNgrok returns an ngrok tunnel; nothing happens until Start. A nil
// logger discards logs.
func NewNgrok(cfg NgrokConfig, logger *slog.Logger) *Ngrok {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = defaultStartTimeout
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = defaultRetryMin
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(defaultRetryMax, cfg.RetryMin)
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	cfg.Authtoken = strings.TrimSpace(cfg.Authtoken)
	n := &Ngrok{
		cfg:         cfg,
		log:         logger.With("component", "tunnel.ngrok"),
		states:      hub.New(Status{State: Connecting, Since: time.Now()}),
		done:        make(chan struct{}),
		attemptDone: make(chan struct{}),
	}
	n.cfg.URL, n.cfgErr = normaliseURL(cfg.URL)
	if n.cfgErr == nil && cfg.WebhookPrefix != "" {
		n.policy, n.cfgErr = TrafficPolicy(cfg.WebhookPrefix, cfg.AllowedMethods)
	}
	if n.cfgErr == nil && cfg.Authtoken == "" {
		n.cfgErr = ErrNoAuthtoken
	}
	n.life, n.cancel = context.WithCancel(context.Background())
	n.relay = newRelay(urlAddr(n.cfg.URL))
	n.relay.onClose = n.Close
	n.relay.onDead = n.endpointDead
	return n
}

// normaliseURL checks the configured domain URL: http(s) scheme (https when
// none), a host, no path. "" stays "".
func normaliseURL(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	if raw == "" {
		return "", nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(u.Hostname(), ".") ||
		strings.HasSuffix(u.Host, ":") || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: want https://<domain>, got %q", ErrBadURL, raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Listener returns the tunnel's listener. It can be served before Start
// succeeds: Accept waits until the tunnel is online. Closing it closes the
// tunnel.
func (n *Ngrok) Listener() net.Listener { return n.relay }

// Start implements Tunnel. The first call starts the tunnel, which keeps
// (re)connecting in the background until Close. Start returns the listener
// and public base URL once online. It returns an error early for a failure
// that needs the admin (no or bad authtoken, foreign domain, session limit):
// see Explain for the message; retries still go on slowly in the background,
// and Subscribe reports the outcome. When ctx ends first, the error joins
// ctx's error with the last failure; the tunnel keeps trying.
func (n *Ngrok) Start(ctx context.Context) (net.Listener, string, error) {
	if n.cfgErr != nil {
		code, key := Explain(n.cfgErr)
		n.mu.Lock()
		n.lastErr = n.cfgErr
		n.publishLocked(Status{State: Offline, Code: code, MessageKey: key, Detail: n.cfgErr.Error()})
		n.mu.Unlock()
		return nil, "", fmt.Errorf("start ngrok tunnel: %w", n.cfgErr)
	}
	n.mu.Lock()
	if n.phase == phaseClosed {
		n.mu.Unlock()
		return nil, "", ErrClosed
	}
	if !n.started {
		n.started = true
		go n.supervise()
	}
	n.mu.Unlock()

	for {
		n.mu.Lock()
		switch n.phase {
		case phaseOnline:
			u := n.url
			n.mu.Unlock()
			return n.relay, u, nil
		case phaseClosed:
			n.mu.Unlock()
			return nil, "", ErrClosed
		}
		wait := n.attemptDone
		n.mu.Unlock()
		select {
		case <-wait:
			n.mu.Lock()
			p, last := n.phase, n.lastErr
			n.mu.Unlock()
			if p != phaseOnline && last != nil {
				if _, key := Explain(last); needsAdmin[key] {
					return nil, "", fmt.Errorf("start ngrok tunnel: %w", last)
				}
			}
		case <-ctx.Done():
			n.mu.Lock()
			last := n.lastErr
			n.mu.Unlock()
			return nil, "", fmt.Errorf("start ngrok tunnel: %w", errors.Join(ctx.Err(), last))
		case <-n.done:
			return nil, "", ErrClosed
		}
	}
}

// Close implements Tunnel: it unbinds the endpoint (so a restart does not meet
// ERR_NGROK_334), ends the session and stops retrying. It waits (bounded) for
// the background work to end.
func (n *Ngrok) Close() error {
	n.mu.Lock()
	if n.phase == phaseClosed {
		n.mu.Unlock()
		return nil
	}
	n.phase = phaseClosed
	n.gen++
	started := n.started
	n.mu.Unlock()

	n.cancel()
	n.relay.shut()
	if started {
		select {
		case <-n.done:
		case <-time.After(2*closeTimeout + time.Second):
			n.log.Warn("ngrok tunnel: background work did not stop in time")
		}
	}
	n.mu.Lock()
	n.publishLocked(Status{State: Offline, MessageKey: KeyClosed})
	n.mu.Unlock()
	return nil
}

// supervise runs attempts until Close.
func (n *Ngrok) supervise() {
	defer close(n.done)
	// Exponential from RetryMin to RetryMax, with jitter so that many
	// offices behind one outage do not reconnect in step.
	bo := &backoff.Backoff{Min: n.cfg.RetryMin, Max: n.cfg.RetryMax, Factor: 2, Jitter: true}
	for n.life.Err() == nil {
		n.mu.Lock()
		if n.phase == phaseClosed {
			n.mu.Unlock()
			return
		}
		n.phase = phaseAttempting
		n.sdkFails = 0
		n.attemptErr = nil
		// While it tries again, the reason of the last failure stays
		// known: the window keeps showing it.
		next := Status{State: Connecting}
		if n.lastErr != nil {
			next.Code, next.MessageKey = Explain(n.lastErr)
			next.Detail = n.lastErr.Error()
		}
		n.publishLocked(next)
		n.mu.Unlock()

		ep, ag, stop, err := n.attempt()
		if err != nil {
			if n.life.Err() != nil {
				return
			}
			code, key := Explain(err)
			wait := bo.Duration()
			if needsAdmin[key] {
				wait = n.cfg.RetryMax
			}
			n.log.Warn("ngrok tunnel: could not go online; will retry",
				"code", code, "message", key, "retry_in", wait, "err", n.redact(err.Error()))
			n.mu.Lock()
			if n.phase == phaseClosed {
				n.mu.Unlock()
				return
			}
			n.phase = phaseWaiting
			n.lastErr = err
			n.publishLocked(Status{State: Offline, Code: code, MessageKey: key,
				Detail: err.Error(), NextRetry: time.Now().Add(wait)})
			n.attemptFinishedLocked()
			n.mu.Unlock()
			if !n.sleep(wait) {
				return
			}
			continue
		}

		bo.Reset()
		u := ep.URL().String()
		lost := make(chan struct{})
		n.mu.Lock()
		if n.phase == phaseClosed {
			n.mu.Unlock()
			n.teardown(ep, ag, stop)
			return
		}
		n.phase = phaseOnline
		n.url = strings.TrimRight(u, "/")
		n.ep = ep
		n.lost, n.lostOnce = lost, &sync.Once{}
		n.lastErr = nil
		n.publishLocked(Status{State: Online, URL: n.url})
		n.attemptFinishedLocked()
		n.mu.Unlock()
		n.relay.set(ep)
		n.log.Info("ngrok tunnel online", "url", u)

		select {
		case <-n.life.Done():
		case <-ep.Done():
		case <-lost:
		}
		n.relay.drop(ep)
		n.teardown(ep, ag, stop)
		if n.life.Err() != nil {
			return
		}
		n.log.Warn("ngrok tunnel: endpoint lost; starting again")
		n.mu.Lock()
		if n.phase == phaseClosed {
			n.mu.Unlock()
			return
		}
		n.phase = phaseWaiting
		n.ep = nil
		n.lastErr = errors.New("ngrok endpoint closed")
		wait := bo.Duration()
		n.publishLocked(Status{State: Offline, MessageKey: KeyLost, NextRetry: time.Now().Add(wait)})
		n.mu.Unlock()
		if !n.sleep(wait) {
			return
		}
	}
}

// attempt creates an agent and binds the endpoint, bounded by StartTimeout.
// On success the caller owns ep, ag and stop (which ends the session).
func (n *Ngrok) attempt() (ngrok.EndpointListener, ngrok.Agent, context.CancelFunc, error) {
	// The session lives as long as this context: ngrok-go keeps using the
	// context given to Connect for its reconnect loop, so it must not be a
	// timeout context. The attempt is bounded by a timer instead.
	ctx, cancel := context.WithCancel(n.life)
	abort := make(chan error, 1)
	n.mu.Lock()
	n.gen++
	gen := n.gen
	n.abort = abort
	n.mu.Unlock()

	opts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(n.cfg.Authtoken),
		ngrok.WithClientInfo("mangotqm", n.cfg.Version),
		ngrok.WithLogger(n.log),
		ngrok.WithEventHandler(func(e ngrok.Event) { n.onEvent(gen, e) }),
	}
	if n.cfg.ConnectURL != "" {
		opts = append(opts, ngrok.WithAgentConnectURL(n.cfg.ConnectURL))
	}
	opts = append(opts, n.cfg.AgentOptions...)
	ag, err := ngrok.NewAgent(opts...)
	if err != nil {
		cancel()
		return nil, nil, nil, fmt.Errorf("create ngrok agent: %w", err)
	}
	var epOpts []ngrok.EndpointOption
	if n.cfg.URL != "" {
		epOpts = append(epOpts, ngrok.WithURL(n.cfg.URL))
	}
	if n.policy != "" {
		epOpts = append(epOpts, ngrok.WithTrafficPolicy(n.policy))
	}
	epOpts = append(epOpts, ngrok.WithDescription("mangotqm webhook receiver"))

	type result struct {
		ep  ngrok.EndpointListener
		err error
	}
	results := make(chan result, 1)
	go func() {
		ep, err := ag.Listen(ctx, epOpts...)
		results <- result{ep, err}
	}()
	timer := time.NewTimer(n.cfg.StartTimeout)
	defer timer.Stop()

	var fail error
	select {
	case r := <-results:
		if r.err == nil {
			return r.ep, ag, cancel, nil
		}
		fail = r.err
	case <-timer.C:
		fail = fmt.Errorf("%w (%s)", ErrNoAnswer, n.cfg.StartTimeout)
	case err := <-abort:
		fail = err
	case <-n.life.Done():
		fail = ErrClosed
	}

	// Give up on this attempt: ignore its events, end its session.
	n.mu.Lock()
	if n.gen == gen {
		n.gen++
	}
	last := n.attemptErr
	n.mu.Unlock()
	cancel()
	go bounded(closeTimeout, func() { _ = ag.Disconnect() })
	select {
	case r := <-results:
		if r.ep != nil {
			bounded(closeTimeout, func() { _ = r.ep.Close() })
		}
	case <-time.After(closeTimeout):
		n.log.Warn("ngrok tunnel: Listen did not return after cancel")
	}
	if errors.Is(fail, ErrNoAnswer) && last != nil {
		fail = errors.Join(fail, last) // say why (dial error, auth error…)
	}
	return nil, nil, nil, fail
}

// teardown unbinds the endpoint (bounded), then ends the session.
func (n *Ngrok) teardown(ep ngrok.EndpointListener, ag ngrok.Agent, stop context.CancelFunc) {
	n.mu.Lock()
	n.gen++
	n.ep = nil
	n.mu.Unlock()
	bounded(closeTimeout, func() { _ = ep.Close() })
	bounded(closeTimeout, func() { _ = ag.Disconnect() })
	stop()
}

// onEvent translates ngrok-go events into states. ngrok-go calls it on its own
// goroutine and it must not block: it only takes n.mu briefly and publishes
// into the hub, which queues.
func (n *Ngrok) onEvent(gen uint64, e ngrok.Event) {
	switch ev := e.(type) {
	case *ngrok.EventAgentConnectSucceeded:
		n.mu.Lock()
		defer n.mu.Unlock()
		if gen != n.gen {
			return
		}
		n.sdkFails = 0
		if n.phase == phaseReconnecting {
			// ngrok-go re-binds the endpoint before it reports a reconnect.
			n.phase = phaseOnline
			n.lastErr = nil
			n.publishLocked(Status{State: Online, URL: n.url})
		}
	case *ngrok.EventAgentDisconnected:
		n.mu.Lock()
		defer n.mu.Unlock()
		if gen != n.gen {
			return
		}
		if ev.Error == nil { // ngrok-go stopped reconnecting
			if n.phase == phaseOnline || n.phase == phaseReconnecting {
				n.lostOnce.Do(func() { close(n.lost) })
			}
			return
		}
		code, key := Explain(ev.Error)
		if code == "" && errors.Is(ev.Error, context.Canceled) {
			return // our own cancel
		}
		n.sdkFails++
		switch n.phase {
		case phaseAttempting:
			n.lastErr, n.attemptErr = ev.Error, ev.Error
			if cur := n.states.Current(); cur.MessageKey != key || cur.Code != code {
				n.publishLocked(Status{State: Connecting, Code: code, MessageKey: key, Detail: ev.Error.Error()})
			}
			if needsAdmin[key] {
				select {
				case n.abort <- ev.Error:
				default:
				}
			}
		case phaseOnline, phaseReconnecting:
			if code == "" && key == KeyUnknown {
				key = KeyLost
			}
			n.phase = phaseReconnecting
			n.lastErr = ev.Error
			wait := min(sdkBackoffMin<<min(n.sdkFails-1, 10), sdkBackoffMax)
			n.publishLocked(Status{State: Offline, Code: code, MessageKey: key,
				Detail: ev.Error.Error(), NextRetry: time.Now().Add(wait)})
		}
	}
}

// endpointDead is called by the relay when the current endpoint's Accept fails.
func (n *Ngrok) endpointDead(ln net.Listener) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ep == ln && n.lostOnce != nil {
		n.lostOnce.Do(func() { close(n.lost) })
	}
}

// publishLocked publishes s (n.mu held). A repeated state keeps its Since,
// so the UI can say "down since…"; Detail never holds the authtoken.
func (n *Ngrok) publishLocked(s Status) {
	now := time.Now()
	s.Since = now
	if cur := n.states.Current(); cur.State == s.State && s.MessageKey != KeyClosed {
		s.Since = cur.Since
	}
	s.Detail = n.redact(s.Detail)
	n.states.Publish(s)
}

func (n *Ngrok) attemptFinishedLocked() {
	close(n.attemptDone)
	n.attemptDone = make(chan struct{})
}

func (n *Ngrok) redact(s string) string {
	if n.cfg.Authtoken == "" {
		return s
	}
	return strings.ReplaceAll(s, n.cfg.Authtoken, "[authtoken]")
}

// sleep waits d or until Close; false means closed.
func (n *Ngrok) sleep(d time.Duration) bool { return clock.Sleep(n.life, d) == nil }

// bounded runs f and waits for it at most d (f keeps running if late).
func bounded(d time.Duration, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

var _ Tunnel = (*Ngrok)(nil)

// String describes the config without the authtoken, so printing it is safe.
func (c NgrokConfig) String() string {
	return fmt.Sprintf("ngrok{url=%q prefix_set=%t methods=%v connect_url=%q start_timeout=%s authtoken_set=%t}",
		c.URL, c.WebhookPrefix != "", c.AllowedMethods, c.ConnectURL, c.StartTimeout, c.Authtoken != "")
}

// GoString is String for %#v.
func (c NgrokConfig) GoString() string { return c.String() }

// LogValue keeps the authtoken (and the secret prefix) out of structured logs.
func (c NgrokConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", c.URL),
		slog.Bool("authtoken_set", c.Authtoken != ""),
		slog.Bool("webhook_prefix_set", c.WebhookPrefix != ""),
		slog.String("connect_url", c.ConnectURL),
		slog.Duration("start_timeout", c.StartTimeout))
}

// Subscribe implements Tunnel.Subscribe.
func (n *Ngrok) Subscribe() (<-chan Status, func()) { return n.states.Subscribe() }
