// Package recordings delivers calls to TQM together with their audio.
//
// Mango keeps recordings behind its VPBX API (docs/mango.md §3.4, §4), so by
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
	"context"
	"io"
	"log/slog"
	"mangotqm/app/clock"
	"net/http"
	"strconv"
	"sync"
	"time"

	"mangotqm/app/calls"
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
	Send(ctx context.Context, fields []tqm.Field) (calls.Result, error)
	SendWithFile(ctx context.Context, fields []tqm.Field, filename string, audio io.Reader) (calls.Result, error)
	// KeyFingerprint identifies the key it sends (a paused delivery
	// compares it with the rejected key's).
	KeyFingerprint(ctx context.Context) (string, error)
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
	// Clock tells the time (default clock.Real).
	Clock  clock.Clock
	Logger *slog.Logger
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

// Sender sends each call with its audio (a delivery.Sender).
type Sender struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	lastMono time.Time
	credOpen bool
}

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
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, log: cfg.Logger}
}

// Send implements delivery.Sender.
func (s *Sender) Send(ctx context.Context, c calls.Call, fields []mapping.Field) (calls.Result, error) {
	started := s.cfg.Clock.Now()
	res, err := s.send(ctx, c, fields)
	if res.Duration == 0 {
		res.Duration = s.cfg.Clock.Now().Sub(started)
	}
	if err == nil && res.Outcome == calls.OutcomeWaiting && s.cfg.OnWait != nil {
		s.cfg.OnWait(res.RetryAfter)
	}
	return res, err
}

func (s *Sender) send(ctx context.Context, c calls.Call, fields []mapping.Field) (calls.Result, error) {
	ci := s.describe(c, fields)
	log := s.log.With("row", ci.row, "call_id", c.CallID)

	// 1. The webhook's own recording link, when it needs no credentials.
	var linkDown *linkError // the link could not be reached (network, 5xx): worth retrying
	if ci.Link != "" {
		if s.cfg.Mode == ModeLink {
			why := s.probe(ctx, ci.Link)
			if why == nil {
				log.Info("sending the call by its public recording link")
				return s.sendByLink(ctx, fields, ci.Link)
			}
			if why.transient {
				linkDown = why
				log.Warn("the webhook's recording link cannot be reached", "why", why.why)
			} else {
				log.Info("the webhook's recording link is not usable without credentials; uploading instead", "why", why.why)
			}
		} else {
			data, why := s.fetch(ctx, ci.Link)
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
		return calls.Result{Outcome: calls.OutcomeRetry}, calls.NewReason(calls.CodeLinkDown, calls.ArgError, linkDown.why).Err()
	}
	if s.cfg.VPBX == nil {
		if ci.Short() || ci.Missed {
			return skip(ci), nil
		}
		if ci.Link == "" {
			return attention(calls.NewReason(calls.CodeNoLinkNoVPBX)), nil
		}
		return attention(calls.NewReason(calls.CodeLinkNeedsVPBX)), nil
	}
	now := s.cfg.Clock.Now()
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
		case ci.Missed:
			return skip(ci), nil
		case ci.Short():
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
	if notReady && s.cfg.Clock.Now().Before(ci.deadline) {
		d := s.cfg.RetryEvery
		if lo := s.cfg.VPBX.LockedOut(); lo != nil {
			d = max(d, lo.Until.Sub(s.cfg.Clock.Now())+time.Second)
		}
		return wait(d, calls.NewReason(calls.CodeNotServedYet)), nil
	}
	if best == nil {
		if ci.Short() || ci.Missed {
			return skip(ci), nil
		}
		if notReady {
			return attention(calls.NewReason(calls.CodeNotServedAfter, "after"+calls.DurSuffix, s.cfg.GiveUpAfter.String())), nil
		}
		return attention(calls.NewReason(calls.CodeNotProvided, "missing", strconv.Itoa(notFound), "total", strconv.Itoa(len(ids)))), nil
	}
	return s.upload(ctx, ci, fields, best, fromMango)
}

// skip: the call is not sent on purpose (too short to be recorded, or
// missed): Mango's rule, mango.NoRecording.
func skip(ci call) calls.Result {
	return calls.Result{Outcome: calls.OutcomeSkipped, Reason: ci.NoRecording()}
}

// wait: the recording is not there yet; look again after d.
func wait(d time.Duration, why calls.Reason) calls.Result {
	return calls.Result{Outcome: calls.OutcomeWaiting, RetryAfter: max(d, time.Millisecond), Reason: why}
}

// attention: the call was not sent and needs the user.
func attention(why calls.Reason) calls.Result {
	return calls.Result{Outcome: calls.OutcomeAttention, Reason: why}
}

// KeyFingerprint is the TQM client's (a paused delivery compares it with
// the rejected key's).
func (s *Sender) KeyFingerprint(ctx context.Context) (string, error) {
	return s.cfg.TQM.KeyFingerprint(ctx)
}
