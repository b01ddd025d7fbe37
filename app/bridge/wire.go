package bridge

// Wiring of the sender (app/tqm, app/recordings), the VPBX events endpoint
// (app/vpbxevents) and the join step. These are plain constructors so
// that the bridge and in-process tests assemble the same parts.

import (
	"context"
	"errors"
	"log/slog"
	"mangotqm/app/clock"
	"net/http"
	"strings"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mapping"
	"mangotqm/app/receiver"
	"mangotqm/app/recordings"
	"mangotqm/app/secrets"
	"mangotqm/app/vpbxevents"
	"mangotqm/assets/i18n"
	"mangotqm/store"
)

// PathVPBX is the sub-path (under the secret prefix) Mango's API connector
// posts its events to: Mango's "base URL" is <public>/mango/<secret>/vpbx.
const PathVPBX = "vpbx"

// VPBXCredentialSource reads the VPBX code and signing key from the secret
// store on every use (they can be changed while the app runs).
func VPBXCredentialSource(sec secrets.Store) func(ctx context.Context) (vpbx.Credentials, error) {
	return func(ctx context.Context) (vpbx.Credentials, error) {
		k, err := sec.Get(ctx, secrets.MangoVPBXKey)
		if err != nil {
			return vpbx.Credentials{}, err
		}
		s, err := sec.Get(ctx, secrets.MangoVPBXSalt)
		if err != nil {
			return vpbx.Credentials{}, err
		}
		return vpbx.Credentials{Key: strings.TrimSpace(k), Salt: strings.TrimSpace(s)}, nil
	}
}

// RecordingOptions configure NewRecordingSender.
type RecordingOptions struct {
	TQM   TQMOptions
	VPBX  *vpbx.Client     // nil: no VPBX API (recordings only from webhook links)
	Index recordings.Index // the store (recording ids announced by events)
	Audio string           // recordings.ModeUpload (default) or recordings.ModeLink
	Zone  *time.Location   // zone of Mango dates without one
	Lang  string           // "" renders messages in both languages
	// OnIncident opens or clears an incident with a rendered message.
	OnIncident func(kind string, open bool, message string)
	// OnMono is told (at most daily) that recordings are mono, with a
	// rendered message explaining the Mango setting.
	OnMono func(message string)
	// Wake, if set, wakes the delivery worker when a waiting call is due
	// (pass the worker's Wake).
	Wake   func()
	Logger *slog.Logger
	// Tuning (tests): waits while a recording is not there yet, how long
	// after the call to keep looking, the clock, link downloads.
	RetryEvery, GiveUpAfter time.Duration
	Clock                   clock.Clock
	HTTP                    *http.Client
}

// NewRecordingSender returns the Sender that sends every call with its
// audio (see package recordings).
func NewRecordingSender(o RecordingOptions) Sender {
	text := func(key string, data map[string]any) string {
		if o.Lang != "" {
			return i18n.T(o.Lang, key, data)
		}
		return i18n.Both(key, data)
	}
	cfg := recordings.Config{
		TQM:         o.TQM.client(),
		Index:       o.Index,
		Mode:        o.Audio,
		Zone:        o.Zone,
		RetryEvery:  o.RetryEvery,
		GiveUpAfter: o.GiveUpAfter,
		Clock:       o.Clock,
		HTTP:        o.HTTP,
		Logger:      o.Logger,
	}
	if o.VPBX != nil {
		cfg.VPBX = o.VPBX
	}
	if o.Wake != nil {
		clk := clock.Or(o.Clock)
		cfg.OnWait = func(d time.Duration) {
			due := clk.After(d + 50*time.Millisecond)
			go func() { <-due; o.Wake() }()
		}
	}
	if o.OnMono != nil {
		cfg.OnMono = func() { o.OnMono(text(recordings.KeyMono, nil)) }
	}
	if o.OnIncident != nil {
		cfg.OnIncident = func(kind string, open bool, key string) {
			msg := ""
			if open {
				var data map[string]any
				if o.VPBX != nil {
					if lo := o.VPBX.LockedOut(); lo != nil {
						data = lo.MessageData()
					}
				}
				msg = text(key, data)
			}
			o.OnIncident(kind, open, msg)
		}
	}
	return recordings.New(cfg)
}

// EventsOptions configure MountVPBXEvents.
type EventsOptions struct {
	Store       vpbxevents.Store
	Credentials func(ctx context.Context) (vpbx.Credentials, error)
	Sources     func() config.Sources // read per event
	Epoch       vpbx.Epoch
	Logger      *slog.Logger
	// OnStored and OnRecording should wake delivery; OnBadSignature may
	// refresh the UI.
	OnStored       func(store.Intaken)
	OnRecording    func(entryID string, woken int)
	OnBadSignature func(count int64)
	// Decide applies the import rules (nil = none).
	Decide func(context.Context, store.NewCall) calls.Reason
}

// MountVPBXEvents serves Mango's API connector events under
// /mango/<secret>/vpbx/ on r and returns the handler (its BadSignatures
// counter).
func MountVPBXEvents(r *receiver.Receiver, o EventsOptions) *vpbxevents.Handler {
	h := vpbxevents.New(vpbxevents.Config{Store: o.Store, Credentials: o.Credentials, Sources: o.Sources,
		Epoch: o.Epoch, Logger: o.Logger, OnStored: o.OnStored, OnRecording: o.OnRecording,
		OnBadSignature: o.OnBadSignature, Decide: o.Decide})
	r.Handle(PathVPBX+"/", h)
	return h
}

// VPBXEventsEndpoint is the base URL to paste into Mango's API connector.
func VPBXEventsEndpoint(base, secret string) Endpoint {
	return Endpoint{Name: PathVPBX, URL: strings.TrimRight(base, "/") + receiver.Prefix(secret) + PathVPBX}
}

// JoinStep is delivery's join step (delivery.Config.Join) fed by Mango's
// join rules (mangocall.JoinRules) for the source setting read at each
// claim: a webhook or VPBX call that arrived after Mango's statistics
// brought it becomes a duplicate of the reconciled call; while sources()
// is "both", so does a calltracking call that arrived after its VPBX copy.
func JoinStep(st mangocall.JoinStore, sources func() config.Sources, log *slog.Logger,
	onJoined func(row int64)) func(context.Context, calls.Call) bool {
	return mangocall.Join{Store: st, Logger: log, OnJoined: onJoined, Rules: func() []mangocall.JoinRule {
		return mangocall.JoinRules(sources() == config.SourcesBoth, 0)
	}}.Joined
}

// intake is where calls come in: the calltracking webhooks' receiver,
// with Mango's VPBX events endpoint under it; a stored call wakes delivery
// and refreshes the window.
func (b *Bridge) intake(secret string, zone *time.Location) (*receiver.Receiver, *vpbxevents.Handler) {
	onStored := func(in store.Intaken) {
		b.worker.Wake()
		b.publish(Event{Kind: EventCall, CallRow: in.ID})
		b.webhooksArrive() // silent.go
	}
	recv := receiver.New(receiver.Config{Secret: secret, Store: b.store, Zone: zone,
		Logger: b.log.With("part", "receiver"), OnStored: onStored, Decide: b.decide, Clock: b.opts.Clock})
	vh := MountVPBXEvents(recv, EventsOptions{
		Store: b.store, Credentials: VPBXCredentialSource(b.opts.Secrets), Sources: b.sources, Logger: b.log.With("part", "vpbx-events"),
		OnStored:    onStored,
		Decide:      b.decide,
		OnRecording: func(string, int) { b.worker.Wake() },
		OnBadSignature: func(n int64) {
			b.incident(IncidentBadSign, true, b.text("core.vpbx_bad_signature", map[string]any{"Count": n}))
		},
	})
	return recv, vh
}

// sources is the source setting in effect (read at every use).
func (b *Bridge) sources() config.Sources { return b.Config().Sources }

// liveSender is the Sender the worker holds for its whole life; a
// configuration change swaps what it delegates to.
type liveSender struct {
	mu       sync.Mutex
	s        Sender
	linkOnly bool
}

func (l *liveSender) set(s Sender, linkOnly bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s, l.linkOnly = s, linkOnly
}

// linkRequired says whether the mapped fileLink must be present (the
// sender passes recordings by link).
func (l *liveSender) linkRequired() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.linkOnly
}

func (l *liveSender) Send(ctx context.Context, c calls.Call, fields []mapping.Field) (calls.Result, error) {
	l.mu.Lock()
	s := l.s
	l.mu.Unlock()
	if s == nil {
		return calls.Result{Outcome: calls.OutcomeRetry, Response: "the bridge is not started"}, nil
	}
	return s.Send(ctx, c, fields)
}

// KeyFingerprint is the current sender's, so a key rejected by TQM is
// compared with the key now stored.
func (l *liveSender) KeyFingerprint(ctx context.Context) (string, error) {
	l.mu.Lock()
	s := l.s
	l.mu.Unlock()
	if s == nil {
		return "", nil
	}
	return s.KeyFingerprint(ctx)
}

// schedule is the retry schedule of Options.Schedule (nil: delivery's
// default).
func schedule(waits []time.Duration) calls.Schedule {
	if len(waits) == 0 {
		return nil
	}
	return calls.Waits(waits)
}

// applySender builds the sender for the configuration in effect.
func (b *Bridge) applySender(ctx context.Context) {
	cfg := b.Config()
	if b.opts.Sender != nil {
		b.sender.set(b.opts.Sender, cfg.Audio == config.AudioPassthrough)
		return
	}
	to := TQMOptions{BaseURL: cfg.TQMURL, API: string(cfg.TQMAPI),
		Key:    func(ctx context.Context) (string, error) { return b.opts.Secrets.Get(ctx, secrets.TQMKey) },
		Logger: b.log.With("part", "tqm")}
	if cfg.Audio == config.AudioPassthrough {
		b.sender.set(NewTQMSender(to), true)
		return
	}
	creds := VPBXCredentialSource(b.opts.Secrets)
	var vc *vpbx.Client
	if _, err := creds(ctx); err == nil {
		vc = b.vpbxClient(cfg.VPBXURL) // shared with the reconcile: one spacing, one lockout guard
	} else if !errors.Is(err, context.Canceled) {
		b.log.Warn("the Mango VPBX code and signing key are not set: recordings can only come from webhook links that download without credentials")
	}
	b.sender.set(NewRecordingSender(RecordingOptions{
		TQM: to, VPBX: vc, Index: b.store, Audio: string(cfg.Audio), Lang: b.opts.Lang, Clock: b.opts.Clock,
		OnIncident: b.incident,
		OnMono:     func(m string) { b.incident(IncidentMono, true, m) },
		Wake:       b.worker.Wake,
		Logger:     b.log.With("part", "recordings"),
	}), false)
}
