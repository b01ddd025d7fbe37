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
	// Clock stamps the states and times the waits (default clock.Real).
	Clock clock.Clock
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
	cfg.Clock = clock.Or(cfg.Clock)
	n := &Ngrok{
		cfg:         cfg,
		log:         logger.With("component", "tunnel.ngrok"),
		states:      hub.New(Status{State: Connecting, Since: cfg.Clock.Now()}),
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
		case <-n.cfg.Clock.After(2*closeTimeout + time.Second):
			n.log.Warn("ngrok tunnel: background work did not stop in time")
		}
	}
	n.mu.Lock()
	n.publishLocked(Status{State: Offline, MessageKey: KeyClosed})
	n.mu.Unlock()
	return nil
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
