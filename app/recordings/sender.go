// Package recordings delivers calls to TQM together with their audio.
//
// Mango keeps recordings behind its VPBX API (mango.md §3.4, §4), so by
// default (ModeUpload) the file is fetched here and uploaded with TQM's
// with-file import: no recording is ever exposed publicly. ModeLink sends
// by link only when the webhook's recording link downloads without
// credentials (TQM can then fetch it too) and uploads otherwise.
//
// Finding the audio, in order: the webhook's recording link, if it
// downloads without credentials and is MP3/WAV; else the recording ids
// Mango announced for the call (events/record/added, by entry id); else the
// VPBX call statistics (FindRecordings by caller and time). Several
// recordings (transfers) → the longest is sent. Not there yet → Wait about
// a minute, for up to 30 minutes after the call's end; then the call needs
// attention. Short calls without a recording are skipped (Mango does not
// record calls under ~6 s). One-time download links are handled inside the
// VPBX client and never reach logs, errors or the database.
package recordings

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

	"mangotqm/app/calls"
	"mangotqm/app/delivery"
	"mangotqm/app/mango"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mapping"
	"mangotqm/app/tqm"
)

// Modes of delivering the audio.
const (
	ModeUpload = "upload" // default: always upload the file (with-file import)
	ModeLink   = "link"   // by link when the webhook's link is public, else upload
)

// IncidentVPBXCredentials is raised while Mango rejects the VPBX code or
// signing key (or they are not set).
const IncidentVPBXCredentials = "vpbx_credentials"

// Message keys (assets/i18n/*/vpbx.json).
const (
	KeyMono          = "vpbx.mono_recording"
	KeyNoCredentials = "vpbx.no_credentials"
)

// TQM is the part of *tqm.Client used here.
type TQM interface {
	Send(ctx context.Context, fields []tqm.Field) (tqm.Result, error)
	SendWithFile(ctx context.Context, fields []tqm.Field, filename string, audio io.Reader) (tqm.Result, error)
}

// VPBX is the part of *vpbx.Client used here.
type VPBX interface {
	FindRecordings(ctx context.Context, callerNumber string, start, end time.Time) ([]vpbx.Recording, error)
	Recording(ctx context.Context, recordingID string) (io.ReadCloser, string, int64, error)
	LockedOut() *vpbx.LockoutError
}

// Index lists the recording ids Mango announced for a call (*store.Store).
type Index interface {
	RecordingIDs(ctx context.Context, entryID string) ([]string, error)
}

// Config of a Sender. TQM is required; the rest has defaults.
type Config struct {
	TQM   TQM
	VPBX  VPBX  // nil: no VPBX credentials; only the webhook's link can be used
	Index Index // nil: only the call statistics are searched
	Mode  string
	// HTTP fetches webhook recording links; it must not add credentials.
	// Default: 2 min timeout, no cookies.
	HTTP *http.Client
	// Zone is assumed for Mango dates without one (mapping SourceZone).
	Zone *time.Location
	// RetryEvery is the wait while a recording is not there yet (default
	// 1 min); GiveUpAfter is how long after the call's end to keep looking
	// (default 30 min).
	RetryEvery  time.Duration
	GiveUpAfter time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
	// OnMono is told about a mono recording, at most once per MonoEvery
	// (default 24 h).
	OnMono    func()
	MonoEvery time.Duration
	// OnIncident opens (once) or clears IncidentVPBXCredentials; messageKey
	// is an i18n key (vpbx.wrong_key, vpbx.wrong_sign, vpbx.locked_out,
	// vpbx.no_credentials).
	OnIncident func(kind string, open bool, messageKey string)
	// OnWait, if set, is told about every Wait result with its RetryAfter,
	// so the caller can wake the delivery worker when the call is due (the
	// worker does not wake itself for a call that was in flight while it
	// went idle).
	OnWait func(retryAfter time.Duration)
}

// Sender is a delivery.Sender that sends each call with its audio.
type Sender struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	lastMono time.Time
	credOpen bool
}

var _ delivery.Sender = (*Sender)(nil)

// New returns a Sender.
func New(cfg Config) *Sender {
	if cfg.Mode == "" {
		cfg.Mode = ModeUpload
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 2 * time.Minute}
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = time.Minute
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = 30 * time.Minute
	}
	if cfg.MonoEvery <= 0 {
		cfg.MonoEvery = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, log: cfg.Logger}
}

// call is what the sender needs to know about a stored call.
type call struct {
	row      int64
	tqmID    string
	entryID  string
	caller   string
	start    time.Time
	end      time.Time
	dur      time.Duration
	durKnown bool
	missed   bool
	link     string
	deadline time.Time
}

func (s *Sender) describe(c calls.Call, fields []mapping.Field) call {
	var p mango.Params
	_ = json.Unmarshal([]byte(c.Params), &p)
	out := call{row: c.ID, entryID: calls.EntryIDOf(c.Source, c.CallID, c.Params)}
	for _, f := range fields {
		switch f.Name {
		case mapping.FieldID:
			out.tqmID = f.Value
		case mapping.FieldFileLink:
			out.link = f.Value
		}
	}
	if out.link == "" {
		out.link = p.Get(mango.AliasRecording...)
	}
	out.caller = c.Caller
	if out.caller == "" {
		out.caller = p.Get(mango.AliasCaller...)
	}
	out.start = c.Started
	if t, err := mango.ParseDate(p.Get(mango.AliasDateStart...), s.cfg.Zone); err == nil {
		out.start = t
	}
	if t, err := mango.ParseDate(p.Get(mango.AliasDateEnd...), s.cfg.Zone); err == nil {
		out.end = t
	}
	if d := p.Get(mango.AliasDuration...); d != "" {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 && n < 1e9 {
			out.dur, out.durKnown = time.Duration(n*float64(time.Second)), true
		}
	}
	if !out.durKnown && !out.start.IsZero() && !out.end.IsZero() && !out.end.Before(out.start) {
		out.dur, out.durKnown = out.end.Sub(out.start), true
	}
	if out.end.IsZero() && !out.start.IsZero() {
		out.end = out.start.Add(out.dur)
	}
	out.missed = p.Get("answered") == "0"
	base := out.end
	if base.IsZero() {
		base = c.Received
	}
	out.deadline = base.Add(s.cfg.GiveUpAfter)
	return out
}

func (c call) short() bool { return c.durKnown && c.dur < MinRecorded }

// Send implements delivery.Sender.
func (s *Sender) Send(ctx context.Context, c calls.Call, fields []mapping.Field) (delivery.SendResult, error) {
	started := time.Now()
	res, err := s.send(ctx, c, fields)
	if res.Duration == 0 {
		res.Duration = time.Since(started)
	}
	if err == nil && res.Class == delivery.Wait && s.cfg.OnWait != nil {
		s.cfg.OnWait(res.RetryAfter)
	}
	return res, err
}

func (s *Sender) send(ctx context.Context, c calls.Call, fields []mapping.Field) (delivery.SendResult, error) {
	ci := s.describe(c, fields)
	log := s.log.With("row", ci.row, "call_id", c.CallID)

	// 1. The webhook's own recording link, when it needs no credentials.
	var linkDown *linkError // the link could not be reached (network, 5xx): worth retrying
	if ci.link != "" {
		if s.cfg.Mode == ModeLink {
			why := s.probe(ctx, ci.link)
			if why == nil {
				log.Info("sending the call by its public recording link")
				return s.sendByLink(ctx, fields, ci.link)
			}
			if why.transient {
				linkDown = why
				log.Warn("the webhook's recording link cannot be reached", "why", why.why)
			} else {
				log.Info("the webhook's recording link is not usable without credentials; uploading instead", "why", why.why)
			}
		} else {
			data, why := s.fetch(ctx, ci.link)
			if why == nil {
				log.Info("recording taken from the webhook's link", "bytes", len(data))
				return s.upload(ctx, ci, fields, data, fromLink)
			}
			if why.transient {
				linkDown = why
				log.Warn("the webhook's recording link cannot be reached", "why", why.why)
			} else {
				log.Info("the webhook's recording link is not usable without credentials; looking the recording up in Mango", "why", why.why)
			}
		}
	}

	// 2. Mango's VPBX API.
	if s.cfg.VPBX == nil && linkDown != nil {
		// Network trouble on the way to the recording: TQM was not asked;
		// the call is retried on the normal schedule.
		return delivery.SendResult{Class: delivery.Retry}, calls.NewReason(calls.CodeLinkDown, calls.ArgError, linkDown.why).Err()
	}
	if s.cfg.VPBX == nil {
		if ci.short() || ci.missed {
			return skip(ci), nil
		}
		if ci.link == "" {
			return attention(calls.NewReason(calls.CodeNoLinkNoVPBX)), nil
		}
		return attention(calls.NewReason(calls.CodeLinkNeedsVPBX)), nil
	}
	now := s.cfg.Now()
	if lo := s.cfg.VPBX.LockedOut(); lo != nil {
		s.lockedOut(lo)
		return wait(lo.Until.Sub(now)+time.Second, calls.NewReason(calls.CodeLockoutWait, "until", lo.Until.Format("15:04:05"))), nil
	}
	ids, err := s.findIDs(ctx, ci, log)
	if err != nil {
		return s.vpbxFailed(ci, err), nil
	}
	if len(ids) == 0 {
		switch {
		case ci.missed:
			return skip(ci), nil
		case ci.short():
			return skip(ci), nil
		case now.Before(ci.deadline):
			return wait(s.cfg.RetryEvery, calls.NewReason(calls.CodeNotYet, "every"+calls.DurSuffix, s.cfg.RetryEvery.String(),
				"until", ci.deadline.Local().Format("15:04"))), nil
		}
		return attention(calls.NewReason(calls.CodeNoneAfter, "after"+calls.DurSuffix, s.cfg.GiveUpAfter.String())), nil
	}
	best, notReady, notFound, err := s.download(ctx, ids, log)
	if err != nil {
		return s.vpbxFailed(ci, err), nil
	}
	if notReady && s.cfg.Now().Before(ci.deadline) {
		d := s.cfg.RetryEvery
		if lo := s.cfg.VPBX.LockedOut(); lo != nil {
			d = max(d, lo.Until.Sub(s.cfg.Now())+time.Second)
		}
		return wait(d, calls.NewReason(calls.CodeNotServedYet)), nil
	}
	if best == nil {
		if ci.short() || ci.missed {
			return skip(ci), nil
		}
		if notReady {
			return attention(calls.NewReason(calls.CodeNotServedAfter, "after"+calls.DurSuffix, s.cfg.GiveUpAfter.String())), nil
		}
		return attention(calls.NewReason(calls.CodeNotProvided, "missing", strconv.Itoa(notFound), "total", strconv.Itoa(len(ids)))), nil
	}
	return s.upload(ctx, ci, fields, best, fromMango)
}

// findIDs returns the recording ids of the call: announced ones first, else
// from the call statistics (the entry closest to the call's start).
func (s *Sender) findIDs(ctx context.Context, ci call, log *slog.Logger) ([]string, error) {
	if ci.entryID != "" && s.cfg.Index != nil {
		ids, err := s.cfg.Index.RecordingIDs(ctx, ci.entryID)
		if err != nil {
			return nil, fmt.Errorf("read the announced recordings: %w", err)
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	if calls.NormalizeNumber(ci.caller) == "" || ci.start.IsZero() {
		log.Info("cannot search Mango's call statistics: the call has no caller number or start time")
		return nil, nil
	}
	recs, err := s.cfg.VPBX.FindRecordings(ctx, ci.caller, ci.start, ci.end)
	if err != nil {
		return nil, err
	}
	s.credentialsOK()
	byEntry := map[string][]vpbx.Recording{}
	for _, r := range recs {
		byEntry[r.EntryID] = append(byEntry[r.EntryID], r)
	}
	var pick []vpbx.Recording
	if ci.entryID != "" {
		pick = byEntry[ci.entryID]
	} else {
		best := time.Duration(-1)
		for _, rs := range byEntry {
			d := rs[0].CallStart.Sub(ci.start)
			if d < 0 {
				d = -d
			}
			if best < 0 || d < best || (d == best && rs[0].EntryID < pick[0].EntryID) {
				best, pick = d, rs
			}
		}
	}
	ids := make([]string, 0, len(pick))
	for _, r := range pick {
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// download fetches each recording and keeps the longest (largest). It stops
// at the first "not ready" answer: that 3xxx answer pauses the VPBX client.
func (s *Sender) download(ctx context.Context, ids []string, log *slog.Logger) (best []byte, notReady bool, notFound int, err error) {
	type size struct {
		ID    string `json:"id"`
		Bytes int    `json:"bytes"`
	}
	var sizes []size
	bestID := ""
	for _, id := range ids {
		body, _, _, err := s.cfg.VPBX.Recording(ctx, id)
		switch {
		case errors.Is(err, vpbx.ErrRecordingNotReady):
			notReady = true
		case errors.Is(err, vpbx.ErrRecordingNotFound):
			s.credentialsOK()
			notFound++
			continue
		case err != nil:
			return nil, false, 0, err
		}
		if notReady {
			break
		}
		s.credentialsOK()
		data, rerr := io.ReadAll(io.LimitReader(body, MaxWAVSize+1))
		_ = body.Close()
		if rerr != nil {
			return nil, false, 0, fmt.Errorf("%w: %w", vpbx.ErrDownload, scrub(rerr))
		}
		sizes = append(sizes, size{id, len(data)})
		if len(data) > len(best) {
			best, bestID = data, id
		}
	}
	if len(ids) > 1 && best != nil {
		log.Info("the call has several recordings (e.g. after a transfer); sending the longest", "chosen", bestID, "recordings", sizes)
	}
	return best, notReady, notFound, nil
}

// vpbxFailed turns a VPBX error into Wait (or, past the call's deadline,
// attention). Credential problems wait without a deadline: an incident
// tells the user, and calls flow again once the keys are fixed.
func (s *Sender) vpbxFailed(ci call, err error) delivery.SendResult {
	now := s.cfg.Now()
	var lo *vpbx.LockoutError
	if errors.As(err, &lo) {
		s.lockedOut(lo)
	}
	d := s.cfg.RetryEvery
	switch after, _ := vpbx.RetryAfter(err, now); {
	case lo != nil:
		d = after + time.Second // until the pause ends, never earlier
	case errors.Is(err, vpbx.ErrRateLimited):
		d = max(after, time.Second)
	}
	msg := calls.NewReason(calls.CodeVPBXWait, calls.ArgError, err.Error())
	switch {
	case errors.Is(err, vpbx.ErrNoCredentials):
		s.incident(true, KeyNoCredentials)
		return wait(s.cfg.RetryEvery, calls.NewReason(calls.CodeNoCredentials))
	case lo != nil && lo.Credentials():
		return wait(d, msg)
	case now.Before(ci.deadline) || lo != nil || errors.Is(err, vpbx.ErrRateLimited):
		return wait(d, msg)
	}
	return attention(calls.NewReason(calls.CodeVPBXGaveUp, "after"+calls.DurSuffix, s.cfg.GiveUpAfter.String(), calls.ArgError, err.Error()))
}

func (s *Sender) lockedOut(lo *vpbx.LockoutError) {
	if lo.Credentials() {
		s.incident(true, lo.MessageKey())
	}
}

func (s *Sender) credentialsOK() { s.incident(false, "") }

// incident opens the credentials incident once, and clears it once.
func (s *Sender) incident(open bool, key string) {
	s.mu.Lock()
	if s.credOpen == open {
		s.mu.Unlock()
		return
	}
	s.credOpen = open
	s.mu.Unlock()
	if open {
		s.log.Warn("Mango rejects the VPBX credentials; recordings wait", "message_key", key)
	} else {
		s.log.Info("Mango accepts the VPBX credentials again")
	}
	if s.cfg.OnIncident != nil {
		s.cfg.OnIncident(IncidentVPBXCredentials, open, key)
	}
}

// upload checks TQM's limits and sends the call with its file.
// origin is where a recording came from.
type origin int

const (
	fromLink  origin = iota // the webhook's recording link
	fromMango               // Mango Office's VPBX API
)

func (s *Sender) upload(ctx context.Context, ci call, fields []mapping.Field, data []byte, from origin) (delivery.SendResult, error) {
	info, err := Inspect(data)
	if limit := info.SizeLimit(); len(data) > limit {
		code := calls.CodeMangoTooLarge
		if from == fromLink {
			code = calls.CodeLinkTooLarge
		}
		return attention(calls.NewReason(code, "mb", strconv.Itoa(limit>>20))), nil
	}
	if err != nil {
		code := calls.CodeMangoNotAudio
		if from == fromLink {
			code = calls.CodeLinkNotAudio
		}
		return attention(calls.NewReason(code)), nil
	}
	if info.Duration > MaxDuration {
		return attention(calls.NewReason(calls.CodeRecordingTooLong, "length"+calls.DurSuffix, info.Duration.Round(time.Minute).String())), nil
	}
	if info.Channels == 1 {
		s.mono(ci)
	}
	fs := make([]tqm.Field, 0, len(fields))
	for _, f := range fields {
		if f.Name == mapping.FieldFileLink { // the file itself is sent
			continue
		}
		fs = append(fs, tqm.Field{Name: f.Name, Value: f.Value})
	}
	name := fileName(ci.tqmID) + "." + info.Format
	r, err := s.cfg.TQM.SendWithFile(ctx, fs, name, bytes.NewReader(data))
	return result(r), err
}

func (s *Sender) sendByLink(ctx context.Context, fields []mapping.Field, link string) (delivery.SendResult, error) {
	fs := make([]tqm.Field, 0, len(fields)+1)
	has := false
	for _, f := range fields {
		if f.Name == mapping.FieldFileLink {
			has = true
		}
		fs = append(fs, tqm.Field{Name: f.Name, Value: f.Value})
	}
	if !has {
		fs = append(fs, tqm.Field{Name: mapping.FieldFileLink, Value: link})
	}
	r, err := s.cfg.TQM.Send(ctx, fs)
	return result(r), err
}

func (s *Sender) mono(ci call) {
	s.log.Debug("mono recording", "row", ci.row)
	if s.cfg.OnMono == nil {
		return
	}
	s.mu.Lock()
	now := s.cfg.Now()
	if !s.lastMono.IsZero() && now.Sub(s.lastMono) < s.cfg.MonoEvery {
		s.mu.Unlock()
		return
	}
	s.lastMono = now
	s.mu.Unlock()
	s.log.Warn("recordings are mono: operator and client share one channel; turn on multichannel recording in Mango Office", "row", ci.row)
	s.cfg.OnMono()
}

// linkError says why a recording link gave no audio; transient when the
// link could not be reached (no answer, timeout, 5xx, 429, 408) rather
// than refused or not audio. It never contains the link.
type linkError struct {
	why       string
	transient bool
}

// fetch downloads a webhook recording link without credentials. why is
// nil when data is audio.
func (s *Sender) fetch(ctx context.Context, link string) (data []byte, why *linkError) {
	resp, why := s.get(ctx, link, false)
	if why != nil {
		return nil, why
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxWAVSize+1))
	if err != nil {
		return nil, &linkError{"download cut short: " + scrub(err).Error(), true}
	}
	if Sniff(data) == "" {
		return nil, &linkError{why: "the link does not give an MP3 or WAV file (" + contentType(resp) + ")"}
	}
	return data, nil
}

// probe checks that a link gives audio without credentials, reading only
// its first bytes.
func (s *Sender) probe(ctx context.Context, link string) (why *linkError) {
	resp, why := s.get(ctx, link, true)
	if why != nil {
		return why
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	if Sniff(head) == "" {
		return &linkError{why: "the link does not give an MP3 or WAV file (" + contentType(resp) + ")"}
	}
	return nil
}

func (s *Sender) get(ctx context.Context, link string, head bool) (*http.Response, *linkError) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &linkError{why: "not an http(s) link"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &linkError{why: "bad link"}
	}
	req.Header.Set("User-Agent", "mangotqm")
	if head {
		req.Header.Set("Range", "bytes=0-63")
	}
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return nil, &linkError{"no answer from the recording's server: " + scrub(err).Error(), true}
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		_ = resp.Body.Close()
		c := resp.StatusCode
		return nil, &linkError{fmt.Sprintf("the recording's server answered HTTP %d", c),
			c >= 500 || c == http.StatusTooManyRequests || c == http.StatusRequestTimeout}
	}
	return resp, nil
}

func contentType(r *http.Response) string {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}

// scrub drops URLs from transport errors (links may be one-time or signed).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// fileName makes a safe upload file name from the TQM call id.
func fileName(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "call"
	}
	return b.String()
}

func skip(ci call) delivery.SendResult {
	why := calls.NewReason(calls.CodeShort)
	if ci.missed {
		why = calls.NewReason(calls.CodeMissed)
	}
	return delivery.SendResult{Class: delivery.Skip, Body: why.English(), Reason: why}
}

func wait(d time.Duration, why calls.Reason) delivery.SendResult {
	return delivery.SendResult{Class: delivery.Wait, RetryAfter: max(d, time.Millisecond), Body: why.English(), Reason: why}
}

// attention: the call was not sent and needs the user.
func attention(why calls.Reason) delivery.SendResult {
	return delivery.SendResult{Class: delivery.Attention, Body: why.English(), Reason: why}
}

func result(r tqm.Result) delivery.SendResult {
	return Result(r)
}

// Result turns a TQM client result into a delivery result (Retry-After
// and the rejected key's fingerprint included).
func Result(r tqm.Result) delivery.SendResult {
	cls := map[tqm.Class]delivery.Class{tqm.Accepted: delivery.Accepted, tqm.Retry: delivery.Retry,
		tqm.AuthRejected: delivery.AuthRejected, tqm.Rejected: delivery.Rejected}[r.Class]
	return delivery.SendResult{Class: cls, HTTPStatus: r.HTTPStatus, CorrelationID: r.CorrelationID,
		Body: r.Body, Duration: r.Duration, RetryAfter: r.RetryAfter, KeyFingerprint: r.KeyFingerprint}
}

// ErrNoFingerprint: the TQM client cannot tell which key it sends.
var ErrNoFingerprint = errors.New("the TQM client cannot fingerprint its key")

// KeyFingerprint implements delivery.KeyFingerprinter with the TQM
// client's (a paused worker compares it with the rejected key's).
func (s *Sender) KeyFingerprint(ctx context.Context) (string, error) {
	if kf, ok := s.cfg.TQM.(delivery.KeyFingerprinter); ok {
		return kf.KeyFingerprint(ctx)
	}
	return "", ErrNoFingerprint
}
