// Package audio delivers calls to TQM together with their recordings. Mango
// recordings are normally reachable only through the VPBX API with the
// signing key, so by default the file is fetched here and uploaded with
// TQM's with-file import: the recording is never exposed publicly.
package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"mangotqm/app/delivery"
	"mangotqm/app/mango"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mapping"
	"mangotqm/app/tqm"
	"mangotqm/assets/i18n"
	"mangotqm/store"
)

// TQM's limits for a recording (tqm.md §3.2).
const (
	MaxSize     = 32 << 20
	MaxDuration = time.Hour
	// MinRecorded: Mango does not record calls shorter than about 6 s.
	MinRecorded = 6 * time.Second
)

// Mango is the VPBX API part used to find and fetch recordings.
type Mango interface {
	FindRecordings(ctx context.Context, callerNumber string, start, end time.Time) ([]vpbx.Recording, error)
	Recording(ctx context.Context, recordingID string) (io.ReadCloser, string, int64, error)
}

// Announced lists recording ids Mango announced for a VPBX call (store).
type Announced func(ctx context.Context, entryID string) ([]string, error)

// Incident kinds.
const (
	IncidentVPBXCredentials = "vpbx_credentials"
	IncidentMono            = "mono_recordings"
)

// Sender is a delivery.Sender that sends each call with its audio.
type Sender struct {
	TQM       *tqm.Client
	Mango     Mango // nil: no VPBX credentials; only webhook links can be used
	Announced Announced
	HTTP      *http.Client // downloads of webhook recording links (no credentials)
	Now       func() time.Time
	Logger    *slog.Logger
	// Zone for Mango dates without one (Europe/Moscow).
	Zone *time.Location
	// Wait between looks for a recording (default 1 min) and how long after
	// the call to keep looking (default 30 min).
	RetryEvery, GiveUpAfter time.Duration
	// OnIncident raises or clears an incident; OnMono warns (at most daily).
	OnIncident func(kind string, open bool, message string)

	monoMu   sync.Mutex
	lastMono time.Time
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// errNotYet: the recording is not there yet; retryAt says when to look.
type errNotYet struct {
	reason  string
	retryAt time.Time
}

func (e *errNotYet) Error() string { return e.reason }

// Send implements delivery.Sender.
func (s *Sender) Send(ctx context.Context, c store.Call, fields []mapping.Field) (delivery.SendResult, error) {
	var p mango.Params
	_ = json.Unmarshal([]byte(c.Params), &p)
	start, end := s.times(c, p)
	link := ""
	rest := make([]tqm.Field, 0, len(fields))
	for _, f := range fields {
		if f.Name == mapping.FieldFileLink {
			link = f.Value
			continue
		}
		rest = append(rest, tqm.Field{Name: f.Name, Value: f.Value})
	}
	if talk := durationOf(p, start, end); talk > 0 && talk < MinRecorded {
		return delivery.SendResult{Class: delivery.Skip,
			Body: fmt.Sprintf("no recording: the call lasted %v and Mango does not record calls shorter than about 6 s", talk)}, nil
	}
	data, name, err := s.fetch(ctx, c, p, link, start, end)
	var notYet *errNotYet
	switch {
	case errors.As(err, &notYet):
		if s.now().Sub(end) > s.giveUp() {
			return delivery.SendResult{Class: delivery.Rejected,
				Body: fmt.Sprintf("no recording found %v after the call: %s", s.giveUp(), notYet.reason)}, nil
		}
		wait := time.Until(notYet.retryAt)
		if wait < s.retryEvery() {
			wait = s.retryEvery()
		}
		return delivery.SendResult{Class: delivery.Wait, RetryAfter: wait, Body: notYet.reason}, nil
	case err != nil:
		return delivery.SendResult{Class: delivery.Rejected, Body: err.Error()}, nil
	}
	if problem := s.check(data); problem != "" {
		return delivery.SendResult{Class: delivery.Rejected, Body: problem}, nil
	}
	r, err := s.TQM.SendWithFile(ctx, rest, name, bytes.NewReader(data))
	cls := map[tqm.Class]delivery.Class{tqm.Accepted: delivery.Accepted, tqm.Retry: delivery.Retry,
		tqm.AuthRejected: delivery.AuthRejected, tqm.Rejected: delivery.Rejected}[r.Class]
	return delivery.SendResult{Class: cls, HTTPStatus: r.HTTPStatus, CorrelationID: r.CorrelationID, Body: r.Body,
		Duration: r.Duration}, err
}

func (s *Sender) retryEvery() time.Duration {
	if s.RetryEvery > 0 {
		return s.RetryEvery
	}
	return time.Minute
}

func (s *Sender) giveUp() time.Duration {
	if s.GiveUpAfter > 0 {
		return s.GiveUpAfter
	}
	return 30 * time.Minute
}

func (s *Sender) times(c store.Call, p mango.Params) (start, end time.Time) {
	zone := s.Zone
	if zone == nil {
		zone = time.UTC
	}
	start, _ = mango.ParseDate(p.Get(mango.AliasDateStart...), zone)
	end, _ = mango.ParseDate(p.Get(mango.AliasDateEnd...), zone)
	if start.IsZero() {
		start = c.Started
	}
	if end.IsZero() {
		end = c.Received
	}
	return start, end
}

func durationOf(p mango.Params, start, end time.Time) time.Duration {
	if v := p.Get(mango.AliasDuration...); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return time.Duration(n * float64(time.Second))
		}
	}
	if !start.IsZero() && end.After(start) {
		return end.Sub(start)
	}
	return 0
}

// fetch finds the call's recording: first a webhook link that downloads
// without credentials, then recordings Mango announced for the call, then a
// search in Mango's call statistics. Several recordings (transfers): the
// longest wins.
func (s *Sender) fetch(ctx context.Context, c store.Call, p mango.Params, link string, start, end time.Time) ([]byte, string, error) {
	if link != "" {
		if data, ok := s.download(ctx, link); ok {
			return data, "recording" + ext(data), nil
		}
	}
	if s.Mango == nil {
		return nil, "", errors.New("the recording cannot be fetched: the Mango VPBX code and signing key are not set")
	}
	var ids []string
	entry := p.Get("entryId", "entry_id")
	if entry == "" && c.Source == "vpbx" {
		entry = c.CallID
	}
	if entry != "" && s.Announced != nil {
		got, err := s.Announced(ctx, entry)
		if err != nil {
			return nil, "", err
		}
		ids = got
	}
	if len(ids) == 0 {
		recs, err := s.Mango.FindRecordings(ctx, p.Get(mango.AliasCaller...), start, end)
		if err != nil {
			return nil, "", s.mangoErr(err)
		}
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, "", &errNotYet{reason: "Mango has no recording of this call yet", retryAt: s.now().Add(s.retryEvery())}
	}
	var best []byte
	for _, id := range ids {
		body, _, _, err := s.Mango.Recording(ctx, id)
		if err != nil {
			if len(best) > 0 {
				continue
			}
			return nil, "", s.mangoErr(err)
		}
		data, err := io.ReadAll(io.LimitReader(body, MaxSize+1))
		_ = body.Close()
		if err != nil {
			return nil, "", &errNotYet{reason: "recording download broke off: " + err.Error(), retryAt: s.now().Add(s.retryEvery())}
		}
		if len(data) > len(best) {
			best = data
		}
	}
	if len(ids) > 1 {
		s.log().Info("several recordings for one call; sending the longest", "row", c.ID, "count", len(ids))
	}
	if s.OnIncident != nil {
		s.OnIncident(IncidentVPBXCredentials, false, "")
	}
	return best, "recording" + ext(best), nil
}

func (s *Sender) mangoErr(err error) error {
	var lock *vpbx.LockoutError
	if errors.As(err, &lock) {
		if lock.Credentials() && s.OnIncident != nil {
			s.OnIncident(IncidentVPBXCredentials, true, i18n.Both(lock.MessageKey(), lock.MessageData()))
		}
		return &errNotYet{reason: err.Error(), retryAt: lock.Until}
	}
	if errors.Is(err, vpbx.ErrRecordingNotReady) || errors.Is(err, vpbx.ErrRateLimited) ||
		errors.Is(err, vpbx.ErrStatsTimeout) || errors.Is(err, vpbx.ErrStatsKeyExpired) {
		return &errNotYet{reason: err.Error(), retryAt: s.now().Add(s.retryEvery())}
	}
	if errors.Is(err, vpbx.ErrRecordingNotFound) {
		return err
	}
	// Network trouble and the like: look again later.
	return &errNotYet{reason: err.Error(), retryAt: s.now().Add(s.retryEvery())}
}

// download GETs a link without credentials; ok only for audio.
func (s *Sender) download(ctx context.Context, link string) ([]byte, bool) {
	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, false
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil || Format(data) == "" {
		return nil, false
	}
	return data, true
}

// check applies TQM's limits and warns about mono recordings.
func (s *Sender) check(data []byte) string {
	f := Format(data)
	switch {
	case f == "":
		return "the recording is neither MP3 nor WAV; TQM accepts only these"
	case len(data) > MaxSize:
		return fmt.Sprintf("the recording is larger than TQM's 32 MB limit (%d MB)", len(data)>>20)
	}
	if d := Duration(data); d > MaxDuration {
		return fmt.Sprintf("the recording lasts %v; TQM accepts at most one hour", d.Round(time.Minute))
	}
	if Channels(data) == 1 {
		s.monoMu.Lock()
		warn := s.now().Sub(s.lastMono) > 24*time.Hour
		if warn {
			s.lastMono = s.now()
		}
		s.monoMu.Unlock()
		if warn {
			s.log().Warn("recordings are mono: TQM separates operator and client by channel; turn on «Записывать в многоканальном режиме» in Mango")
			if s.OnIncident != nil {
				s.OnIncident(IncidentMono, true, i18n.Both("vpbx.mono_recording", nil))
			}
		}
	}
	return ""
}

func ext(data []byte) string {
	if Format(data) == "wav" {
		return ".wav"
	}
	return ".mp3"
}

// Format recognises WAV and MP3 by their first bytes ("" otherwise).
func Format(b []byte) string {
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "wav"
	case len(b) >= 3 && string(b[:3]) == "ID3":
		return "mp3"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return "mp3"
	}
	return ""
}

// mp3Frame finds the first MPEG audio frame header (after an ID3 tag).
func mp3Frame(b []byte) int {
	i := 0
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		i = 10 + (int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f))
	}
	for ; i+4 <= len(b); i++ {
		if b[i] == 0xFF && b[i+1]&0xE0 == 0xE0 && b[i+1]&0x06 != 0 && b[i+2]&0xF0 != 0xF0 {
			return i
		}
	}
	return -1
}

// Channels returns 1 or 2 (0 when unknown).
func Channels(b []byte) int {
	switch Format(b) {
	case "wav":
		if len(b) >= 24 && string(b[12:16]) == "fmt " {
			return int(binary.LittleEndian.Uint16(b[22:24]))
		}
	case "mp3":
		if i := mp3Frame(b); i >= 0 {
			if b[i+3]>>6 == 3 {
				return 1
			}
			return 2
		}
	}
	return 0
}

// mp3 bit rates (kbit/s) for MPEG-1 and MPEG-2/2.5 Layer III.
var (
	rates1 = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	rates2 = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}
)

// Duration estimates a recording's length (0 when unknown).
func Duration(b []byte) time.Duration {
	switch Format(b) {
	case "wav":
		if len(b) >= 44 && string(b[12:16]) == "fmt " {
			byteRate := binary.LittleEndian.Uint32(b[28:32])
			if byteRate > 0 {
				return time.Duration(float64(len(b)-44) / float64(byteRate) * float64(time.Second))
			}
		}
	case "mp3":
		if i := mp3Frame(b); i >= 0 {
			idx := b[i+2] >> 4
			rate := rates1[idx]
			if (b[i+1]>>3)&0x03 != 3 { // not MPEG-1
				rate = rates2[idx]
			}
			if rate > 0 {
				return time.Duration(float64(len(b)-i) * 8 / float64(rate*1000) * float64(time.Second))
			}
		}
	}
	return 0
}
