package core

// Wiring of the recordings sender (app/recordings) and the VPBX events
// endpoint (app/vpbxevents). These are plain constructors so that both the
// core and in-process tests can assemble the same parts.

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"mangotqm/app/delivery"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/receiver"
	"mangotqm/app/recordings"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm"
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
	Now                     func() time.Time
	HTTP                    *http.Client
}

// NewRecordingSender returns the delivery.Sender that sends every call with
// its audio (see package recordings).
func NewRecordingSender(o RecordingOptions) delivery.Sender {
	v := o.TQM.APIVersion
	switch v {
	case "":
		v = "1.0"
	case "-":
		v = ""
	}
	text := func(key string, data map[string]any) string {
		if o.Lang != "" {
			return i18n.T(o.Lang, key, data)
		}
		return i18n.Both(key, data)
	}
	cfg := recordings.Config{
		TQM:         &tqm.Client{BaseURL: o.TQM.BaseURL, API: o.TQM.API, Key: o.TQM.Key, APIVersion: v},
		Index:       o.Index,
		Mode:        o.Audio,
		Zone:        o.Zone,
		RetryEvery:  o.RetryEvery,
		GiveUpAfter: o.GiveUpAfter,
		Now:         o.Now,
		HTTP:        o.HTTP,
		Logger:      o.Logger,
	}
	if o.VPBX != nil {
		cfg.VPBX = o.VPBX
	}
	if o.Wake != nil {
		cfg.OnWait = func(d time.Duration) { time.AfterFunc(d+50*time.Millisecond, o.Wake) }
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
	Sources     string // vpbxevents.SourcesCalltracking, SourcesVPBX, SourcesBoth
	Epoch       vpbx.Epoch
	Logger      *slog.Logger
	// OnStored and OnRecording should wake delivery; OnBadSignature may
	// refresh the UI.
	OnStored       func(store.Intaken)
	OnRecording    func(entryID string, woken int)
	OnBadSignature func(count int64)
}

// MountVPBXEvents serves Mango's API connector events under
// /mango/<secret>/vpbx/ on r and returns the handler (its BadSignatures
// counter).
func MountVPBXEvents(r *receiver.Receiver, o EventsOptions) *vpbxevents.Handler {
	h := vpbxevents.New(vpbxevents.Config{Store: o.Store, Credentials: o.Credentials, Sources: o.Sources,
		Epoch: o.Epoch, Logger: o.Logger, OnStored: o.OnStored, OnRecording: o.OnRecording,
		OnBadSignature: o.OnBadSignature})
	r.Handle(PathVPBX+"/", h)
	return h
}

// VPBXEventsEndpoint is the base URL to paste into Mango's API connector.
func VPBXEventsEndpoint(base, secret string) Endpoint {
	return Endpoint{Name: PathVPBX, URL: strings.TrimRight(base, "/") + receiver.Prefix(secret) + PathVPBX}
}

// JoiningOutbox is the delivery outbox for a source setting: with "both",
// calltracking calls that arrived after their VPBX copy become duplicates
// when claimed (vpbxevents.Outbox); otherwise the store itself.
func JoiningOutbox(st *store.Store, sources string, log *slog.Logger, onJoined func(row int64)) delivery.Outbox {
	if sources != vpbxevents.SourcesBoth {
		return st
	}
	return vpbxevents.NewOutbox(st, 0, log, onJoined)
}
