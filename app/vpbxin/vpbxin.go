// Package vpbxin receives what Mango's API connector sends to our base URL
// (<public>/mango/<secret>/vpbx): call summaries and "recording added"
// events, signed with the VPBX key and salt. A summary becomes a call in the
// outbox, like a calltracking webhook; a recording id is kept for the
// recording lookup.
package vpbxin

import (
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
	"time"

	"mangotqm/app/mango"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/receiver"
	"mangotqm/store"
)

// CounterBadSign counts events refused for a wrong key or signature.
const CounterBadSign = "vpbx_bad_signature"

// Store is what the handler needs from the database.
type Store interface {
	Intake(ctx context.Context, c store.NewCall) (store.Intaken, error)
	AddRecording(ctx context.Context, entryID, recordingID string) error
	Bump(ctx context.Context, name string) (int64, error)
}

// Handler serves the VPBX event endpoints.
type Handler struct {
	Store Store
	// Credentials returns the VPBX code and signing key.
	Credentials func(ctx context.Context) (key, salt string, err error)
	// Calls: summaries become calls (the "vpbx" or "both" source setting).
	Calls bool
	// JoinWindow > 0 joins a summary with the same call from calltracking.
	JoinWindow time.Duration
	Epoch      vpbx.Epoch
	Logger     *slog.Logger
	// OnStored is told about stored calls (wake delivery, refresh the UI).
	OnStored func(store.Intaken)
	// OnBadSign is told each time an event is refused.
	OnBadSign func(count int64)
}

func (h *Handler) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// ServeHTTP handles /mango/<secret>/vpbx/<event path>.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := strings.Index(r.URL.Path, "/vpbx/")
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	path := strings.Trim(r.URL.Path[i+len("/vpbx/"):], "/")
	if path == "ping" {
		writeOK(w)
		return
	}
	if !strings.HasPrefix(path, "events/") && !strings.HasPrefix(path, "result/") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, tooLarge, err := receiver.ReadBody(r)
	if tooLarge {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	key, salt, err := h.Credentials(r.Context())
	if err != nil {
		// Without our key and salt nothing can be verified: refuse (fail
		// closed) and keep the payload for inspection.
		h.refuse(r.Context(), w, path, string(body), "the VPBX code and signing key are not set")
		return
	}
	ev, err := vpbx.ParseEvent(form, key, salt, vpbx.WithPath(path), vpbx.WithEpoch(h.Epoch))
	switch {
	case errors.Is(err, vpbx.ErrBadKey), errors.Is(err, vpbx.ErrBadSign):
		h.refuse(r.Context(), w, path, string(body), err.Error())
		return
	case err != nil:
		h.store(r.Context(), w, store.NewCall{Source: "vpbx", Raw: rawJSON(path, body),
			Invalid: "unreadable VPBX event: " + err.Error()})
		return
	}
	switch {
	case ev.Summary != nil:
		h.summary(r.Context(), w, path, body, ev.Summary)
	case ev.RecordAdded != nil:
		if ev.RecordAdded.EntryID == "" || ev.RecordAdded.RecordingID == "" {
			writeOK(w)
			return
		}
		if err := h.Store.AddRecording(r.Context(), ev.RecordAdded.EntryID, ev.RecordAdded.RecordingID); err != nil {
			h.log().Error("cannot keep the recording id", "err", err)
			http.Error(w, "temporarily unable to store", http.StatusServiceUnavailable)
			return
		}
		h.log().Info("recording announced by Mango", "entry_id", ev.RecordAdded.EntryID)
		writeOK(w)
	default:
		writeOK(w) // events/call, events/recording: not needed to import calls
	}
}

func (h *Handler) refuse(ctx context.Context, w http.ResponseWriter, path, body, reason string) {
	n, err := h.Store.Bump(ctx, CounterBadSign)
	if err != nil {
		h.log().Error("cannot count a refused event", "err", err)
	}
	if _, err := h.Store.Intake(ctx, store.NewCall{Source: "vpbx", Raw: rawJSON(path, []byte(body)),
		Invalid: "refused VPBX event (" + path + "): " + reason}); err != nil {
		h.log().Error("cannot keep a refused event", "err", err)
	}
	h.log().Warn("VPBX event refused: wrong code or signature", "path", path, "count", n)
	if h.OnBadSign != nil {
		h.OnBadSign(n)
	}
	http.Error(w, "forbidden", http.StatusForbidden)
}

func (h *Handler) summary(ctx context.Context, w http.ResponseWriter, path string, body []byte, s *vpbx.SummaryEvent) {
	if !h.Calls {
		writeOK(w) // the user chose calltracking only
		return
	}
	if s.CallDirection == vpbx.DirectionInternal {
		h.log().Info("internal call not imported", "entry_id", s.EntryID)
		writeOK(w)
		return
	}
	p := SummaryParams(s)
	b, _ := json.Marshal(p)
	dur, _ := strconv.ParseInt(p["duration"], 10, 64)
	h.store(ctx, w, store.NewCall{Source: "vpbx", CallID: s.EntryID, Raw: rawJSON(path, body), Params: string(b),
		Caller: p["callerNumber"], Operator: p["operator"], Started: s.CreateTime, Duration: dur,
		JoinWindow: h.JoinWindow})
}

// SummaryParams turns a call summary into webhook-like parameters the
// mapping understands: the client's number is callerNumber whatever the
// direction, the answering employee is the operator.
func SummaryParams(s *vpbx.SummaryEvent) mango.Params {
	p := mango.Params{"callId": s.EntryID, "entryId": s.EntryID, "lineNumber": s.LineNumber}
	if !s.CreateTime.IsZero() {
		p["dateStart"] = s.CreateTime.UTC().Format(time.RFC3339)
	}
	if !s.EndTime.IsZero() {
		p["dateEnd"] = s.EndTime.UTC().Format(time.RFC3339)
	}
	if !s.TalkTime.IsZero() && !s.EndTime.IsZero() {
		p["duration"] = strconv.FormatInt(int64(s.EndTime.Sub(s.TalkTime).Seconds()), 10)
	} else {
		p["duration"] = "0"
	}
	switch s.CallDirection {
	case vpbx.DirectionOutbound:
		p["direction"], p["callerNumber"] = "outbound", s.To.Number
		p["operator"] = first(s.From.Extension, s.From.Number)
	default:
		p["direction"], p["callerNumber"] = "inbound", s.From.Number
		p["operator"] = first(s.To.Extension, s.To.Number)
	}
	return p
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func (h *Handler) store(ctx context.Context, w http.ResponseWriter, c store.NewCall) {
	in, err := h.Store.Intake(ctx, c)
	if err != nil {
		h.log().Error("VPBX call could not be stored", "err", err)
		http.Error(w, "temporarily unable to store", http.StatusServiceUnavailable)
		return
	}
	h.log().Info("VPBX call stored", "row", in.ID, "entry_id", c.CallID, "duplicate_of", in.DuplicateOf)
	if h.OnStored != nil {
		h.OnStored(in)
	}
	writeOK(w)
}

func rawJSON(path string, body []byte) string {
	return mango.Request{Method: http.MethodPost, Query: "", ContentType: "application/x-www-form-urlencoded",
		Body: fmt.Sprintf("%s\n%s", path, body)}.JSON()
}

func writeOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"success":true}`+"\n")
}
