// Package receiver is the HTTP side Mango calls. Every GET or POST under the
// secret prefix /mango/<secret>/ is stored in SQLite before it is answered;
// HEAD is answered without storing anything; a wrong secret is answered 404,
// nothing is stored, and such requests are logged as a count at most once a
// minute. At most MaxConcurrent requests are handled at once (503 above),
// and NewServer gives the http.Server settings that keep slow clients from
// holding the intake up.
package receiver

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mangotqm/app/clock"
	"net/http"
	"strings"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
	"mangotqm/app/mango/mangocall"
	"mangotqm/store"
)

// MaxBody is the largest webhook body accepted (413 above, nothing stored).
const MaxBody = 1 << 20

// Paths under the secret prefix.
const (
	PathCalltracking = "calltracking"
	PathHealth       = "health"
)

// Intaker durably stores a webhook (store.Store).
type Intaker interface {
	Intake(ctx context.Context, c store.NewCall) (store.Intaken, error)
}

// Receiver handles Mango's requests.
type Receiver struct {
	secret string
	store  Intaker
	zone   *time.Location
	log    *slog.Logger
	// OnStored is told about every stored webhook (wake delivery, refresh UI).
	onStored func(store.Intaken)
	extra    map[string]http.Handler
	decide   func(context.Context, store.NewCall) calls.Reason
	slots    chan struct{}
	refusals *refusals
}

// Config of a Receiver.
type Config struct {
	Secret   string // path secret, ≥ 128 random bits
	Store    Intaker
	Zone     *time.Location // zone for Mango dates without one
	Logger   *slog.Logger
	OnStored func(store.Intaken)
	// Decide applies the import rules (app/rules): a call that fails one
	// is stored as skipped with that reason. nil = every call is sent.
	Decide func(context.Context, store.NewCall) calls.Reason
	// MaxConcurrent bounds the requests handled at once (each may hold a
	// body of up to MaxBody in memory); over it the answer is 503 with
	// Retry-After. Default DefaultMaxConcurrent.
	MaxConcurrent int
	// RefusalSummaryEvery is the least time between two log lines about
	// wrong-secret requests (default one minute).
	RefusalSummaryEvery time.Duration
	// Clock times those log lines (default clock.Real).
	Clock clock.Clock
}

// DefaultMaxConcurrent is the default Config.MaxConcurrent.
const DefaultMaxConcurrent = 256

// New returns a receiver.
func New(cfg Config) *Receiver {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.RefusalSummaryEvery <= 0 {
		cfg.RefusalSummaryEvery = time.Minute
	}
	return &Receiver{secret: cfg.Secret, store: cfg.Store, zone: cfg.Zone, log: cfg.Logger,
		onStored: cfg.OnStored, decide: cfg.Decide, extra: map[string]http.Handler{}, slots: make(chan struct{}, cfg.MaxConcurrent),
		refusals: &refusals{log: cfg.Logger, every: cfg.RefusalSummaryEvery, clock: clock.Or(cfg.Clock)}}
}

// Handle adds a handler for a sub-path under the secret prefix (e.g. the
// VPBX events under "vpbx/"): a path ending in "/" matches everything below.
func (r *Receiver) Handle(subpath string, h http.Handler) { r.extra[subpath] = h }

// Prefix is the secret path prefix, "/mango/<secret>/".
func Prefix(secret string) string { return "/mango/" + secret + "/" }

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	default:
		// Too many at once: the sender retries (Mango does on 5xx).
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy, try again", http.StatusServiceUnavailable)
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/mango/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	secret, sub, _ := strings.Cut(rest, "/")
	if r.secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(r.secret)) != 1 {
		// Never log the path: it would carry a guess or the secret itself.
		r.refusals.add(req.Method)
		http.NotFound(w, req)
		return
	}
	switch sub {
	case PathHealth:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
		return
	case PathCalltracking:
		r.calltracking(w, req)
		return
	}
	for p, h := range r.extra {
		if sub == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(sub, p)) {
			h.ServeHTTP(w, req)
			return
		}
	}
	http.NotFound(w, req)
}

// ReadBody reads a request body up to MaxBody. tooLarge is true when the body
// is over the limit (answer 413, store nothing).
func ReadBody(req *http.Request) (body []byte, tooLarge bool, err error) {
	if req.ContentLength > MaxBody {
		return nil, true, nil
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, MaxBody+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) > MaxBody {
		return nil, true, nil
	}
	return b, false, nil
}

func (r *Receiver) calltracking(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodHead {
		// A check that the URL works (uptime probes, link previews): it
		// is not a webhook, so nothing is stored or sent.
		w.Header().Set("Content-Type", "application/json")
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, tooLarge, err := ReadBody(req)
	if tooLarge {
		r.log.Warn("webhook refused: body over 1 MiB", "content_length", req.ContentLength)
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		// The sender hung up mid-body: nothing complete to store; it may retry.
		r.log.Warn("webhook body could not be read", "err", err)
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	raw := mango.Request{Method: req.Method, Query: req.URL.RawQuery,
		ContentType: req.Header.Get("Content-Type"), Body: string(body)}
	nc, call, perr := mangocall.Webhook(raw, r.zone)
	if perr == nil && r.decide != nil {
		nc.Skip = r.decide(req.Context(), nc)
	}
	in, err := r.store.Intake(req.Context(), nc)
	if err != nil {
		// Not stored: say so, so that the sender may try again.
		r.log.Error("webhook could not be stored", "err", err)
		http.Error(w, "temporarily unable to store the call", http.StatusServiceUnavailable)
		return
	}
	switch {
	case perr != nil:
		r.log.Warn("malformed webhook stored as invalid", "row", in.ID, "reason", perr.Error())
	case in.DuplicateOf == 0 && !nc.Skip.IsZero():
		r.log.Info("webhook stored as skipped by the import rules", "row", in.ID, "call_id", call.CallID,
			"rule", nc.Skip.English())
	case in.DuplicateOf != 0:
		r.log.Info("duplicate webhook logged, not delivered again", "row", in.ID, "call_id", call.CallID,
			"duplicate_of", in.DuplicateOf)
	default:
		r.log.Info("webhook stored", "row", in.ID, "call_id", call.CallID)
	}
	if len(call.Notes) > 0 {
		r.log.Warn("webhook parameters kept as received", "row", in.ID, "notes", call.Notes)
	}
	if r.onStored != nil {
		r.onStored(in)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, "{\"status\":200,\"id\":%d}\n", in.ID)
}

// ErrNoSecret is returned when a receiver is built without a secret.
var ErrNoSecret = errors.New("webhook secret is empty")

// refusals counts wrong-secret requests and logs them as one summary line
// at most once per `every`: the first at once, later ones when the period
// is over (a timer flushes a count that no later request would).
type refusals struct {
	log   *slog.Logger
	every time.Duration
	clock clock.Clock

	mu      sync.Mutex
	count   int64
	methods map[string]int64
	last    time.Time
	armed   bool
	total   int64
}

func (f *refusals) add(method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count++
	f.total++
	if f.methods == nil {
		f.methods = map[string]int64{}
	}
	if len(f.methods) < 8 {
		f.methods[method]++
	}
	if f.armed {
		return
	}
	if since := f.clock.Now().Sub(f.last); since < f.every {
		f.armed = true
		due := f.clock.After(f.every - since)
		go func() { <-due; f.flush() }()
		return
	}
	f.logLocked()
}

func (f *refusals) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = false
	if f.count > 0 {
		f.logLocked()
	}
}

func (f *refusals) logLocked() {
	f.log.Warn("requests with a wrong webhook secret refused (404, nothing stored)",
		"count", f.count, "by_method", f.methods, "total_since_start", f.total)
	f.count, f.methods, f.last = 0, nil, f.clock.Now()
}

// WrongSecretRequests is how many requests with a wrong secret were refused.
func (r *Receiver) WrongSecretRequests() int64 {
	r.refusals.mu.Lock()
	defer r.refusals.mu.Unlock()
	return r.refusals.total
}

// Server settings for the receiver (NewServer).
const (
	// ReadHeaderTimeout: a client gets this long to send its headers; a
	// slow one is cut off instead of holding a connection.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds reading one whole request, body included.
	ReadTimeout = 30 * time.Second
	// MaxHeaderBytes bounds the request line and headers (Mango's longest
	// query string is a few kilobytes).
	MaxHeaderBytes = 64 << 10
)

// NewServer returns the http.Server the receiver should be served with:
// short header and body deadlines and a small header limit, so that many
// slow or idle connections cannot keep real webhooks from being read, and
// net/http's own error lines go to log at debug level.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      ReadTimeout + 30*time.Second, // storing may wait for the disk
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}
