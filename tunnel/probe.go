package tunnel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mangotqm/app/clock"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// IncidentReporter receives the self-probe's incidents: open=true with
// KeyProbeUnreachable once the public URL has failed Failures times in a row,
// open=false with KeyProbeRecovered once it answers again. Calls are made
// from the prober's goroutine, one at a time.
type IncidentReporter interface {
	OnIncident(open bool, messageKey string)
}

// IncidentFunc adapts a function to IncidentReporter.
type IncidentFunc func(open bool, messageKey string)

// OnIncident implements IncidentReporter.
func (f IncidentFunc) OnIncident(open bool, messageKey string) { f(open, messageKey) }

// ProberConfig configures a Prober.
type ProberConfig struct {
	// HealthURL is the full public health URL,
	// e.g. https://x.ngrok-free.dev/mango/<secret>/health.
	HealthURL string
	// Interval between probes (default 15 min). Each probe is one request on
	// the ngrok plan's monthly quota: every 15 min ≈ 2,900 a month.
	Interval time.Duration
	// Timeout of one probe (default 15 s).
	Timeout time.Duration
	// Failures in a row that open the incident (default 3).
	Failures int
	// Client used for probes (default: a plain client with Timeout).
	Client *http.Client
	// Clock times the probes (default clock.Real).
	Clock clock.Clock
}

// Prober checks from outside that the public URL reaches this program: it
// GETs the health URL through the internet and ngrok, like Mango would.
type Prober struct {
	cfg    ProberConfig
	report IncidentReporter
	log    *slog.Logger

	mu       sync.Mutex
	failures int
	open     bool
	code     string // ngrok error code of the last failure ("" when none)
}

// NewProber returns a prober; Run starts it. A nil logger discards logs.
func NewProber(cfg ProberConfig, report IncidentReporter, logger *slog.Logger) *Prober {
	if cfg.Interval <= 0 {
		cfg.Interval = 15 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.Failures <= 0 {
		cfg.Failures = 3
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Prober{cfg: cfg, report: report, log: logger.With("component", "tunnel.probe")}
}

// Run probes every Interval (the first probe after one Interval, so the
// tunnel has time to come up) until ctx ends; it returns ctx's error.
func (p *Prober) Run(ctx context.Context) error {
	clk := clock.Or(p.cfg.Clock)
	for {
		if err := clk.Sleep(ctx, p.cfg.Interval); err != nil {
			return err
		}
		p.Probe(ctx)
	}
}

// Probe runs one check now, updates the failure count and reports an
// incident change. It returns the check's error (nil when healthy).
func (p *Prober) Probe(ctx context.Context) error {
	err := p.check(ctx)
	if ctx.Err() != nil {
		return err // shutting down: not the URL's fault
	}
	code, explained := Explain(err)
	// A refusal ngrok will not get over (its monthly limit, a blocked
	// address) opens the incident at the first answer that says so.
	refused := err != nil && SuggestsOtherRoad(explained)
	p.mu.Lock()
	var (
		notify bool
		open   bool
	)
	if err != nil {
		p.failures++
		if !p.open && (p.failures >= p.cfg.Failures || refused) {
			p.open, notify, open = true, true, true
		}
		p.code = code
	} else {
		p.failures = 0
		p.code = ""
		if p.open {
			p.open, notify, open = false, true, false
		}
	}
	failures := p.failures
	p.mu.Unlock()

	if err != nil {
		p.log.Warn("public URL self-probe failed", "failures_in_a_row", failures, "err", err)
	}
	if notify && p.report != nil {
		key := KeyProbeRecovered
		if open {
			key = KeyProbeUnreachable
			if refused {
				key = explained
			}
		}
		p.report.OnIncident(open, key)
	}
	return err
}

// Open reports whether the "unreachable" incident is open.
func (p *Prober) Open() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

// Code returns the ngrok error code of the last failed probe ("" when the
// last probe worked or its failure had no code), e.g. ERR_NGROK_727 from
// the answer's ngrok-error-code header.
func (p *Prober) Code() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code
}

// probeError hides the secret part of the health URL from the message
// (errors from net/http quote the URL) while keeping the cause for errors.Is.
type probeError struct {
	msg string
	err error
}

func (e *probeError) Error() string { return e.msg }
func (e *probeError) Unwrap() error { return e.err }

func (p *Prober) check(ctx context.Context) error {
	err := p.checkRaw(ctx)
	if err == nil {
		return nil
	}
	msg := err.Error()
	if u, perr := url.Parse(p.cfg.HealthURL); perr == nil && u.Path != "" && u.Path != "/" {
		msg = strings.ReplaceAll(msg, u.EscapedPath(), "/[secret]")
		msg = strings.ReplaceAll(msg, u.Path, "/[secret]")
	}
	return &probeError{msg: msg, err: err}
}

func (p *Prober) checkRaw(ctx context.Context) error {
	if p.cfg.HealthURL == "" {
		return errors.New("no health URL")
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.HealthURL, nil)
	if err != nil {
		return fmt.Errorf("probe request: %w", err)
	}
	req.Header.Set("User-Agent", "mangotqm-selfprobe")
	// Free ngrok domains show browsers a warning page; say we are not one.
	req.Header.Set("ngrok-skip-browser-warning", "1")
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		code := resp.Header.Get("ngrok-error-code")
		if code != "" {
			return fmt.Errorf("probe: HTTP %d (%s)", resp.StatusCode, code)
		}
		return fmt.Errorf("probe: HTTP %d", resp.StatusCode)
	}
	return nil
}

// CheckOnce fetches healthURL once, as Mango would reach it (the live check
// of an own address in the wizard and in Settings). The error hides the
// URL's secret path; Explain gives its ngrok code when the answer has one.
func CheckOnce(ctx context.Context, healthURL string, timeout time.Duration) error {
	return NewProber(ProberConfig{HealthURL: healthURL, Timeout: timeout}, nil, nil).check(ctx)
}

// CheckOwn checks an own address before the bridge listens on it: it
// listens on listen for a moment, answering one random path, and fetches
// publicURL with that path from outside (through the router, proxy or VPS,
// like Mango would). When listen is taken (the bridge runs there already),
// it returns the listen error; probe the bridge's health URL instead.
func CheckOwn(ctx context.Context, listen, publicURL string, timeout time.Duration) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	path := "/mangotqm-check/" + hex.EncodeToString(nonce[:])
	srv := &http.Server{ReadHeaderTimeout: timeout, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return CheckOnce(ctx, strings.TrimRight(publicURL, "/")+path, timeout)
}
