// Package vpbxevents receives what Mango's API connector posts to our base
// URL (docs/mango.md §3.7): events/summary becomes a call (source "vpbx"),
// events/record/added attaches a recording id to a call, ping answers the
// account's "check connection". Every event is verified (vpbx_api_key and
// sign); a mismatch is answered 403, counted, and kept as an invalid row for
// inspection (with the VPBX code redacted).
//
// Sources. The user picks where calls come from: calltracking webhooks,
// VPBX events, or both. With "both", the calltracking and the VPBX copy of a
// call become ONE import: the later-arriving row is stored as a duplicate
// of the earlier one (joined on the entry id, else on the caller's last 10
// digits and a start within ±2 min) and its parameters fill the gaps of the
// earlier row while that one is not delivered. A VPBX summary is joined when
// it is stored (IntakeJoin); a calltracking webhook, stored by the receiver,
// is joined when delivery claims it (the join step, mangocall.Join).
//
// Decisions: internal calls (call_direction 0) are stored as skipped
// ("nothing received is dropped", and the log shows them), never sent. With
// the source set to calltracking only, events are answered 200 and nothing
// is stored (logged), but signatures are still checked and bad ones kept.
package vpbxevents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/receiver"
	"mangotqm/store"
)

// Call sources as stored.
const (
	sourceCalltracking = calls.SourceCalltracking
	sourceVPBX         = calls.SourceVPBX
)

// Store is the part of *store.Store the handler uses.
type Store interface {
	IntakeJoin(ctx context.Context, c store.NewCall, o store.IntakeOptions) (store.Joined, error)
	AttachRecording(ctx context.Context, entryID, recordingID string) (added bool, woken int, err error)
}

// Config of a Handler.
type Config struct {
	Store Store
	// Credentials returns our VPBX code and signing key (read per event).
	Credentials func(ctx context.Context) (vpbx.Credentials, error)
	Sources     func() config.Sources // read per event; nil = calltracking only
	Epoch       vpbx.Epoch            // how event timestamps are read
	JoinWindow  time.Duration         // default store.DefaultJoinWindow
	Logger      *slog.Logger
	// OnStored is told about every stored row (wake delivery, refresh UI).
	OnStored func(store.Intaken)
	// OnRecording is told when a recording was announced; woken calls were
	// waiting for it and are due now (wake delivery).
	OnRecording func(entryID string, woken int)
	// OnBadSignature is told about each refused event with the running count.
	OnBadSignature func(count int64)
	// Decide applies the import rules (app/rules): a call that fails one
	// is stored as skipped with that reason. nil = every call is sent.
	Decide func(context.Context, store.NewCall) calls.Reason
}

// Handler serves the VPBX event endpoints. Mount it under the secret
// prefix (the path may keep the prefix: only its tail is looked at).
type Handler struct {
	cfg Config
	log *slog.Logger
	bad atomic.Int64
}

// New returns a Handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Sources == nil {
		cfg.Sources = func() config.Sources { return config.SourcesCalltracking }
	}
	if cfg.JoinWindow <= 0 {
		cfg.JoinWindow = store.DefaultJoinWindow
	}
	return &Handler{cfg: cfg, log: cfg.Logger}
}

// BadSignatures counts the events refused for a foreign VPBX code or a
// wrong signature since the handler started.
func (h *Handler) BadSignatures() int64 { return h.bad.Load() }

const pathPing = "ping"

var eventPaths = []string{string(vpbx.KindRecordAdded), string(vpbx.KindSummary), string(vpbx.KindRecording),
	string(vpbx.KindCall), pathPing}

// eventPath returns the known event path the request is for, "other" for
// another Mango callback, "" for anything else.
func eventPath(p string) string {
	p = strings.Trim(p, "/")
	for _, k := range eventPaths {
		if p == k || strings.HasSuffix(p, "/"+k) {
			return k
		}
	}
	if strings.Contains("/"+p+"/", "/events/") || strings.Contains("/"+p+"/", "/result/") {
		return "other"
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := eventPath(r.URL.Path)
	if path == "" {
		http.NotFound(w, r)
		return
	}
	if path == pathPing && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		ok(w)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, tooLarge, err := receiver.ReadBody(r)
	if tooLarge {
		h.log.Warn("VPBX event refused: body over 1 MiB")
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	ct := r.Header.Get("Content-Type")
	form, ferr := parseForm(ct, body)
	if path == pathPing && ferr == nil && form.Get("json") == "" {
		ok(w) // an unsigned connection check carries no data
		return
	}
	cr, err := h.cfg.Credentials(ctx)
	if err != nil || cr.Key == "" || cr.Salt == "" {
		h.log.Error("VPBX event cannot be verified: the VPBX code or signing key is not available", "err", err)
		http.Error(w, "temporarily unable to verify the event", http.StatusServiceUnavailable)
		return
	}
	raw := rawJSON(path, r.Method, ct, form, body, ferr, cr.Key)
	if ferr != nil {
		h.storeInvalid(ctx, w, raw, calls.NewReason(calls.CodeVPBXNotForm, calls.ArgError, ferr.Error()), http.StatusOK)
		return
	}
	ev, err := vpbx.ParseEvent(form, cr.Key, cr.Salt, vpbx.WithPath(path), vpbx.WithEpoch(h.cfg.Epoch))
	switch {
	case errors.Is(err, vpbx.ErrBadKey), errors.Is(err, vpbx.ErrBadSign):
		n := h.bad.Add(1)
		reason := calls.NewReason(calls.CodeVPBXBadSignature)
		if errors.Is(err, vpbx.ErrBadKey) {
			reason = calls.NewReason(calls.CodeVPBXOtherCode)
		}
		h.log.Warn("VPBX event refused", "path", path, "reason", reason.English(), "refused_so_far", n)
		if h.cfg.OnBadSignature != nil {
			h.cfg.OnBadSignature(n)
		}
		h.storeInvalid(ctx, w, raw, reason, http.StatusForbidden)
		return
	case err != nil:
		h.storeInvalid(ctx, w, raw, calls.ReasonFor(err, calls.CodeVPBXBadEvent), http.StatusOK)
		return
	}
	if path == pathPing {
		ok(w)
		return
	}
	if !h.cfg.Sources().VPBX() && (ev.Summary != nil || ev.RecordAdded != nil) {
		h.log.Info("VPBX event not stored: calls come from calltracking only (change the source setting to use VPBX events)", "path", path)
		ok(w)
		return
	}
	switch {
	case ev.Summary != nil:
		h.summary(ctx, w, raw, ev.Summary)
	case ev.RecordAdded != nil:
		h.recordAdded(ctx, w, raw, ev.RecordAdded)
	default:
		h.log.Debug("VPBX event not used", "path", path)
		ok(w)
	}
}

func (h *Handler) summary(ctx context.Context, w http.ResponseWriter, raw string, s *vpbx.SummaryEvent) {
	nc, skipReason, invalid := mangocall.Summary(s)
	nc.Raw = raw
	if !invalid.IsZero() {
		h.storeInvalid(ctx, w, raw, invalid, http.StatusOK)
		return
	}
	if skipReason.IsZero() && h.cfg.Decide != nil {
		skipReason = h.cfg.Decide(ctx, nc)
	}
	o := store.IntakeOptions{Skip: skipReason}
	if h.cfg.Sources() == config.SourcesBoth && skipReason.IsZero() {
		o.Join = &store.JoinRule{Other: sourceCalltracking, Window: h.cfg.JoinWindow, Reason: calls.NewReason(calls.CodeJoinCalltracking)}
	}
	j, err := h.cfg.Store.IntakeJoin(ctx, nc, o)
	if err != nil {
		h.log.Error("VPBX call could not be stored", "err", err)
		http.Error(w, "temporarily unable to store the call", http.StatusServiceUnavailable)
		return
	}
	switch {
	case j.Joined:
		h.log.Info("VPBX call is the same as a calltracking call; logged as its duplicate", "row", j.ID,
			"entry_id", s.EntryID, "duplicate_of", j.DuplicateOf, "merged", j.Merged)
	case j.DuplicateOf != 0:
		h.log.Info("VPBX summary repeated; logged, not delivered again", "row", j.ID, "entry_id", s.EntryID, "duplicate_of", j.DuplicateOf)
	case !skipReason.IsZero():
		h.log.Info("VPBX call stored as skipped", "row", j.ID, "entry_id", s.EntryID, "reason", skipReason.English())
	default:
		h.log.Info("VPBX call stored", "row", j.ID, "entry_id", s.EntryID)
	}
	h.stored(j.Intaken)
	ok(w)
}

func (h *Handler) recordAdded(ctx context.Context, w http.ResponseWriter, raw string, e *vpbx.RecordAddedEvent) {
	if strings.TrimSpace(e.EntryID) == "" || strings.TrimSpace(e.RecordingID) == "" {
		h.storeInvalid(ctx, w, raw, calls.NewReason(calls.CodeVPBXRecordIDs), http.StatusOK)
		return
	}
	added, woken, err := h.cfg.Store.AttachRecording(ctx, e.EntryID, e.RecordingID)
	if err != nil {
		h.log.Error("announced recording could not be stored", "err", err)
		http.Error(w, "temporarily unable to store the recording id", http.StatusServiceUnavailable)
		return
	}
	h.log.Info("recording announced by Mango", "entry_id", e.EntryID, "recording_id", e.RecordingID, "new", added, "calls_woken", woken)
	if h.cfg.OnRecording != nil {
		h.cfg.OnRecording(e.EntryID, woken)
	}
	ok(w)
}

func (h *Handler) storeInvalid(ctx context.Context, w http.ResponseWriter, raw string, reason calls.Reason, status int) {
	in, err := h.cfg.Store.IntakeJoin(ctx, store.NewCall{Source: sourceVPBX, Raw: raw, Params: "{}", Invalid: reason}, store.IntakeOptions{})
	if err != nil {
		h.log.Error("refused VPBX event could not be stored", "err", err)
	} else {
		h.log.Warn("VPBX event stored as invalid", "row", in.ID, "reason", reason.English())
		h.stored(in.Intaken)
	}
	if status == http.StatusOK {
		ok(w)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

func (h *Handler) stored(in store.Intaken) {
	if h.cfg.OnStored != nil {
		h.cfg.OnStored(in)
	}
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"success":true}` + "\n"))
}

// parseForm reads a form-urlencoded or multipart body (Mango and libraries
// use both); the query string never counts.
func parseForm(contentType string, body []byte) (url.Values, error) {
	mt, params, _ := mime.ParseMediaType(contentType)
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		f, err := mr.ReadForm(receiver.MaxBody)
		if err != nil {
			return nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		defer f.RemoveAll()
		return url.Values(f.Value), nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return v, fmt.Errorf("malformed form body: %w", err)
	}
	return v, nil
}

// rawJSON is the stored envelope of an event: the form with the VPBX code
// redacted (it is a secret), or the body, with our code redacted, when it
// was not a form.
func rawJSON(path, method, contentType string, form url.Values, body []byte, ferr error, key string) string {
	env := map[string]any{"method": method, "path": path, "contentType": contentType}
	if ferr == nil && form != nil {
		f := map[string]string{}
		for k := range form {
			f[k] = form.Get(k)
		}
		if _, has := f["vpbx_api_key"]; has {
			f["vpbx_api_key"] = "[redacted]"
		}
		env["form"] = f
	} else {
		text := strings.ToValidUTF8(string(body), "?")
		if key != "" {
			text = strings.ReplaceAll(text, key, "[redacted]")
			text = strings.ReplaceAll(text, url.QueryEscape(key), "[redacted]")
		}
		env["body"] = text
	}
	b, err := json.Marshal(env)
	if err != nil {
		return `{"path":"` + path + `"}`
	}
	return string(b)
}
