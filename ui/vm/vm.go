// Package vm holds the desktop app's view models: what the window and tray
// show and what their buttons do, without any widget, so that it is tested
// without a window. Text is returned as i18n keys plus data; the ui package
// renders them.
package vm

import (
	"context"
	"time"

	"mangotqm/app/core"
	"mangotqm/app/mapping"
	"mangotqm/store"
	"mangotqm/tunnel"
)

// Backend is what the window needs from the core (*core.Core satisfies it;
// vmtest.Fake stands in for it in tests).
type Backend interface {
	Subscribe() (<-chan core.Event, func())
	Calls(ctx context.Context, f store.Filter) ([]store.Call, error)
	Call(ctx context.Context, row int64) (store.Call, []store.Attempt, error)
	Counts(ctx context.Context) (store.Counts, error)
	Resend(ctx context.Context, row int64) error
	ResendFailedSince(ctx context.Context, since time.Time) (int, error)
	SetPaused(ctx context.Context, paused bool) error
	Paused() bool
	Endpoints() []core.Endpoint
	TunnelStatus() tunnel.Status
	Incidents(ctx context.Context) ([]store.Incident, error)
	Mapping(ctx context.Context) (mapping.Config, error)
	SetMapping(ctx context.Context, m mapping.Config) error
	Preview(ctx context.Context, m mapping.Config) (mapping.Result, error)
	MarkURLCopied(ctx context.Context, url string) error
	DataDir() string
	Demo() bool
	Simulate(ctx context.Context) (int64, error)
}

// Tone is the colour class of a status.
type Tone int

const (
	ToneNeutral Tone = iota // waiting, duplicates
	ToneGood                // delivered
	ToneBusy                // sending, retrying
	ToneWarn                // needs attention, skipped
	ToneBad                 // failed, invalid
)

// StatusTone maps a status to its colour class.
func StatusTone(status string) Tone {
	switch status {
	case store.StatusDelivered:
		return ToneGood
	case store.StatusSending, store.StatusRetrying:
		return ToneBusy
	case store.StatusAttention, store.StatusSkipped:
		return ToneWarn
	case store.StatusFailed, store.StatusInvalid:
		return ToneBad
	}
	return ToneNeutral
}

// StatusKey is the i18n key of a status label.
func StatusKey(status string) string { return "ui.status." + status }

// Translate renders an i18n key; the ui package passes its translator.
type Translate func(key string) string

func (t Translate) or(key string) string {
	if t == nil {
		return key
	}
	return t(key)
}
