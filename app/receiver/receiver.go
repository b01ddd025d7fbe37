// Package receiver is the HTTP side Mango calls. Every request under the
// secret prefix /mango/<secret>/ is stored in SQLite before it is answered;
// a wrong secret is answered 404 and nothing is stored.
package receiver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"mangotqm/app/mango"
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
}

// Config of a Receiver.
type Config struct {
	Secret   string // path secret, ≥ 128 random bits
	Store    Intaker
	Zone     *time.Location // zone for Mango dates without one
	Logger   *slog.Logger
	OnStored func(store.Intaken)
}

// New returns a receiver.
func New(cfg Config) *Receiver {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	return &Receiver{secret: cfg.Secret, store: cfg.Store, zone: cfg.Zone, log: cfg.Logger,
		onStored: cfg.OnStored, extra: map[string]http.Handler{}}
}

// Handle adds a handler for a sub-path under the secret prefix (e.g. the
// VPBX events under "vpbx/"): a path ending in "/" matches everything below.
func (r *Receiver) Handle(subpath string, h http.Handler) { r.extra[subpath] = h }

// Prefix is the secret path prefix, "/mango/<secret>/".
func Prefix(secret string) string { return "/mango/" + secret + "/" }

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rest, ok := strings.CutPrefix(req.URL.Path, "/mango/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	secret, sub, _ := strings.Cut(rest, "/")
	if r.secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(r.secret)) != 1 {
		// Never log the path: it would carry a guess or the secret itself.
		r.log.Warn("request with a wrong webhook secret refused", "method", req.Method)
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
	if req.Method != http.MethodGet && req.Method != http.MethodPost && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, POST")
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
	call, perr := mango.Parse(raw, r.zone)
	nc := store.NewCall{Source: "calltracking", Raw: raw.JSON(), Params: paramsJSON(call.Params),
		Caller: call.Caller, Operator: call.Group, Started: call.Start, Duration: call.Duration}
	if perr != nil {
		nc.Invalid = perr.Error()
	} else {
		nc.CallID = call.CallID
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
	case in.DuplicateOf != 0:
		r.log.Info("duplicate webhook logged, not delivered again", "row", in.ID, "call_id", call.CallID,
			"duplicate_of", in.DuplicateOf)
	default:
		r.log.Info("webhook stored", "row", in.ID, "call_id", call.CallID)
	}
	if r.onStored != nil {
		r.onStored(in)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, "{\"status\":200,\"id\":%d}\n", in.ID)
}

func paramsJSON(p mango.Params) string {
	if p == nil {
		return "{}"
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// ErrNoSecret is returned when a receiver is built without a secret.
var ErrNoSecret = errors.New("webhook secret is empty")
