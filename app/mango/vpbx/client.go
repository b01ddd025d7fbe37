// Package vpbx is a client for the Mango Office VPBX API (docs/mango.md §3):
// request signing, client-side rate limits, a lockout guard, basic call
// statistics, recording download, the users list, and parsing of the
// realtime events Mango posts to us.
//
// Lockout guard. Mango allows one invalid request (result 3xxx) per two
// minutes; a second one inside that window gets HTTP 401 and blocks the
// account until two minutes after the first error. So after ANY answer with
// a 3xxx result or HTTP 401 the Client sends nothing to Mango for Lockout
// (default DefaultLockout, a little over two minutes): calls fail at once
// with a *LockoutError (errors.Is(err, ErrLockedOut)) that names the cause.
// To make "never a second invalid request inside the window" hold even for
// concurrent callers, a Client sends one API request at a time: the next
// request leaves only after the previous answer has been judged. Mango's
// limits (10 requests/s) make this cheap. Note that 3320 ("recording not
// found", also given while a recording is not saved yet) is a 3xxx code too,
// so it pauses the client as well.
//
// Time. Mango documents its Unix timestamps as "UTC+3" (§3.8). Whether that
// is a plain epoch or an epoch shifted by three hours is not known; Epoch
// makes it a parameter. The default (zero Epoch) reads them as plain Unix
// epoch seconds.
package vpbx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"mangotqm/app/clock"
)

// DefaultBaseURL is Mango's VPBX API root.
const DefaultBaseURL = "https://app.mango-office.ru/vpbx/"

// DefaultLockout is how long the client stays silent after an invalid
// request: Mango's two minutes plus a margin for clock and network delays.
const DefaultLockout = 2*time.Minute + 10*time.Second

// MinLockout is the smallest Lockout a production client accepts; smaller
// values are honoured only when AllowShortLockout is set (tests).
const MinLockout = 2 * time.Minute

// maxAnswer bounds an API answer read into memory (stats CSV, JSON).
const maxAnswer = 64 << 20

// Credentials are the VPBX code (vpbx_api_key) and the signing key
// (vpbx_api_salt).
type Credentials struct {
	Key  string
	Salt string
}

// Limits are the client-side request spacings. They are at least as strict
// as Mango's (§3.3) with a 10% margin, so the client does not meet a 429 in
// normal operation. Zero fields take the defaults.
type Limits struct {
	General    time.Duration // between any two requests; default 110 ms (Mango: 10/s)
	StatsStart time.Duration // stats/request, stats/calls/request; default 2.1 s (Mango: 1 per 2 s)
	Users      time.Duration // config/users/request; default 2.1 s (Mango: 1 per 2 s)
	Pause429   time.Duration // pause after 429/503 without Retry-After; default 2.5 s
}

func (l Limits) withDefaults() Limits {
	if l.General <= 0 {
		l.General = 110 * time.Millisecond
	}
	if l.StatsStart <= 0 {
		l.StatsStart = 2100 * time.Millisecond
	}
	if l.Users <= 0 {
		l.Users = 2100 * time.Millisecond
	}
	if l.Pause429 <= 0 {
		l.Pause429 = 2500 * time.Millisecond
	}
	return l
}

// Client calls the Mango VPBX API. The zero value plus credentials works;
// a Client must not be copied after first use. It is safe for concurrent use.
type Client struct {
	BaseURL string // default DefaultBaseURL
	Key     string // vpbx_api_key, used when Credentials is nil
	Salt    string // vpbx_api_salt, used when Credentials is nil
	// Credentials, if set, is asked for the key and salt before every
	// request (e.g. read from the keychain), and wins over Key/Salt.
	Credentials func(ctx context.Context) (Credentials, error)
	// HTTP sends requests; nil means a client with a 60 s timeout for API
	// calls and no timeout (only ctx) for recording downloads. Redirects of
	// API calls are never followed automatically.
	HTTP *http.Client
	// Clock tells the time for the lockout guard and the spacing of
	// requests, and waits (default clock.Real).
	Clock  clock.Clock
	Logger *slog.Logger // default slog.Default()

	// Lockout is the silence after a 3xxx/401 answer; default
	// DefaultLockout; values below MinLockout are raised to it unless
	// AllowShortLockout (for tests with a fake Mango).
	Lockout           time.Duration
	AllowShortLockout bool
	Limits            Limits

	// Epoch interprets Mango's Unix timestamps (see package doc).
	Epoch Epoch
	// PollInterval is the wait between stats/result polls in
	// FindRecordings; default 5 s (Mango: not more often than every 5 s).
	PollInterval time.Duration
	// PollTimeout bounds the polling in FindRecordings; default 2 min.
	PollTimeout time.Duration
	// MatchMargin widens the call's time window when matching statistics
	// rows in FindRecordings; default 2 min.
	MatchMargin time.Duration

	initOnce sync.Once
	api      *http.Client
	dl       *http.Client
	sem      chan struct{} // one API request in flight

	mu        sync.Mutex
	lock      *LockoutError
	lastAny   time.Time // monotonic wall time of the last request sent
	lastClass map[limitClass]time.Time
	pause     time.Time // no request before (monotonic wall time), after 429
}

type limitClass int

const (
	classGeneral limitClass = iota
	classStatsStart
	classUsers
)

func classOf(path string) limitClass {
	switch strings.Trim(path, "/") {
	case "stats/request", "stats/calls/request":
		return classStatsStart
	case "config/users/request":
		return classUsers
	}
	return classGeneral
}

func (c *Client) init() {
	c.initOnce.Do(func() {
		base := c.HTTP
		if base == nil {
			base = &http.Client{Timeout: 60 * time.Second}
			c.dl = &http.Client{}
		} else {
			c.dl = base
		}
		api := *base
		api.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		c.api = &api
		c.sem = make(chan struct{}, 1)
		c.lastClass = map[limitClass]time.Time{}
	})
}

func (c *Client) clock() clock.Clock { return clock.Or(c.Clock) }

func (c *Client) now() time.Time { return c.clock().Now() }

func (c *Client) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

func (c *Client) lockout() time.Duration {
	d := c.Lockout
	if d <= 0 {
		return DefaultLockout
	}
	if d < MinLockout && !c.AllowShortLockout {
		return MinLockout
	}
	return d
}

func (c *Client) baseURL() string {
	b := c.BaseURL
	if b == "" {
		b = DefaultBaseURL
	}
	return strings.TrimRight(b, "/") + "/"
}

func (c *Client) creds(ctx context.Context) (Credentials, error) {
	cr := Credentials{Key: c.Key, Salt: c.Salt}
	if c.Credentials != nil {
		var err error
		if cr, err = c.Credentials(ctx); err != nil {
			return Credentials{}, fmt.Errorf("vpbx: credentials: %w", err)
		}
	}
	if cr.Key == "" || cr.Salt == "" {
		return Credentials{}, ErrNoCredentials
	}
	return cr, nil
}

// LockedOut returns the current pause, or nil when the client may call
// Mango. The core can show it, or persist Until across restarts.
func (c *Client) LockedOut() *LockoutError {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lockedLocked()
}

func (c *Client) lockedLocked() *LockoutError {
	if c.lock == nil {
		return nil
	}
	if !c.now().Before(c.lock.Until) {
		c.lock = nil
		return nil
	}
	cp := *c.lock
	return &cp
}

// Pause makes the client silent until until, as after an invalid request,
// e.g. to restore a pause persisted before a restart. It never shortens a
// running pause.
func (c *Client) Pause(cause LockoutError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.engageLocked(cause)
}

func (c *Client) engageLocked(l LockoutError) {
	if c.lock != nil && c.lock.Until.After(l.Until) {
		return
	}
	c.lock = &l
}

// answer is Mango's reply to one API request.
type answer struct {
	status   int
	header   http.Header
	body     []byte
	result   int    // "result" of a JSON body, 0 if none
	message  string // "message" of a JSON body
	location string // Location header of a redirect; never log it
	reqURL   *url.URL
}

// post sends one signed request: marshal payload once, sign those bytes,
// POST the form. It enforces the lockout guard and the limits, and turns
// 401/3xxx into a pause, 429/503/5008 into *RateLimitError. Other non-success
// result codes come back as *APIError with the answer.
func (c *Client) post(ctx context.Context, path string, payload any) (*answer, error) {
	c.init()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lo := c.LockedOut(); lo != nil {
		return nil, lo
	}
	cr, err := c.creds(ctx)
	if err != nil {
		return nil, err
	}
	js, err := marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("vpbx: %s: encode json: %w", path, err)
	}
	form := url.Values{
		"vpbx_api_key": {cr.Key},
		"sign":         {Sign(cr.Key, js, cr.Salt)},
		"json":         {js},
	}

	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	// Another request may have hit a 3xxx while we waited for our turn.
	if lo := c.LockedOut(); lo != nil {
		return nil, lo
	}
	if err := c.waitLimit(ctx, classOf(path)); err != nil {
		return nil, err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL()+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("vpbx: %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json, text/csv, */*")
	started := c.now()
	resp, err := c.api.Do(req)
	if err != nil {
		return nil, fmt.Errorf("vpbx: %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("vpbx: %s: read answer: %w", path, err)
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: body, location: resp.Header.Get("Location"), reqURL: req.URL}
	a.result, a.message = resultOf(body)
	c.log().Debug("vpbx request", "path", path, "status", a.status, "result", a.result, "duration", c.now().Sub(started))
	return a, c.judge(path, a)
}

// judge applies the guard and the limits to an answer.
func (c *Client) judge(path string, a *answer) error {
	invalid := a.status == http.StatusUnauthorized || (a.result >= 3000 && a.result < 4000)
	if invalid {
		lo := LockoutError{Code: a.result, HTTPStatus: a.status, Path: path, Until: c.now().Add(c.lockout())}
		c.mu.Lock()
		c.engageLocked(lo)
		c.mu.Unlock()
		c.log().Warn("vpbx: invalid request, pausing calls to Mango", "path", path, "status", a.status, "result", a.result, "until", lo.Until)
		if lo.Credentials() {
			return &lo
		}
		return &APIError{Path: path, HTTPStatus: a.status, Code: a.result, Message: a.message}
	}
	if a.status == http.StatusTooManyRequests || a.status == http.StatusServiceUnavailable || a.result == ResultOverload {
		d := retryAfter(a.header, c.now())
		if d <= 0 {
			d = c.Limits.withDefaults().Pause429
			if classOf(path) != classGeneral {
				d = max(d, c.Limits.withDefaults().StatsStart)
			}
		}
		c.mu.Lock()
		c.pause = c.now().Add(d)
		c.mu.Unlock()
		c.log().Warn("vpbx: rate limited by Mango", "path", path, "status", a.status, "retry_after", d)
		return &RateLimitError{Path: path, HTTPStatus: a.status, Code: a.result, RetryAfter: d}
	}
	if a.result != 0 && a.result != ResultOK {
		return &APIError{Path: path, HTTPStatus: a.status, Code: a.result, Message: a.message}
	}
	return nil
}

// waitLimit sleeps until the spacing rules allow the next request. It runs
// under c.sem, so reservations cannot race.
func (c *Client) waitLimit(ctx context.Context, cls limitClass) error {
	l := c.Limits.withDefaults()
	c.mu.Lock()
	at := c.lastAny.Add(l.General)
	switch cls {
	case classStatsStart:
		at = later(at, c.lastClass[cls].Add(l.StatsStart))
	case classUsers:
		at = later(at, c.lastClass[cls].Add(l.Users))
	}
	at = later(at, c.pause)
	c.mu.Unlock()
	if err := c.clock().Sleep(ctx, at.Sub(c.now())); err != nil {
		return err
	}
	now := c.now()
	c.mu.Lock()
	c.lastAny = now
	c.lastClass[cls] = now
	c.mu.Unlock()
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

// marshal encodes payload as compact JSON without HTML escaping; the result
// is what gets signed and sent.
func marshal(payload any) (string, error) {
	if payload == nil {
		return "{}", nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(payload); err != nil {
		return "", err
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// resultOf reads "result" and "message" of a JSON object body, if any.
func resultOf(body []byte) (int, string) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return 0, ""
	}
	var r struct {
		Result  flexInt    `json:"result"`
		Message flexString `json:"message"`
	}
	if json.Unmarshal(t, &r) != nil {
		return 0, ""
	}
	return int(r.Result), string(r.Message)
}

// asAPIError is errors.As for *APIError.
func asAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}
