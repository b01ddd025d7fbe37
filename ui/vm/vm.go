// Package vm holds the desktop app's view models: what the window and tray
// show and what their buttons do, without any widget, so that it is tested
// without a window. Text is returned as i18n keys plus data; the ui package
// renders them.
package vm

import (
	"context"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/demo"
	"mangotqm/app/mapping"
	"mangotqm/tunnel"
)

// Backend is what the window needs from the bridge (*bridge.Bridge satisfies it;
// vmtest.Fake stands in for it in tests).
type Backend interface {
	Subscribe() (<-chan bridge.Event, func())
	Calls(ctx context.Context, f calls.Filter) ([]calls.Call, error)
	Call(ctx context.Context, row int64) (calls.Call, []calls.Attempt, error)
	Counts(ctx context.Context) (calls.Counts, error)
	Resend(ctx context.Context, row int64) error
	ResendFailedSince(ctx context.Context, since time.Time) (int, error)
	SetPaused(ctx context.Context, paused bool) error
	Paused() bool
	Endpoints() []bridge.Endpoint
	TunnelStatus() tunnel.Status
	Incidents(ctx context.Context) ([]calls.Incident, error)
	Mapping(ctx context.Context) (mapping.Config, error)
	SetMapping(ctx context.Context, m mapping.Config) error
	Preview(ctx context.Context, m mapping.Config) (mapping.Result, error)
	MarkURLCopied(ctx context.Context, url string) error
	DataDir() string
	Demo() bool
	// AttemptCounts: the tries stored per call row (the table's column).
	AttemptCounts(ctx context.Context, rows []int64) (map[int64]int, error)
	// DailyCounts: calls per local day, the last days days, today last.
	DailyCounts(ctx context.Context, days int) ([]bridge.DayCount, error)
}

// Simulator is a Backend that simulates Mango calls (demo mode).
type Simulator interface {
	Simulate(ctx context.Context) (int64, error)
}

// Scenario is a kind of simulated call (demo mode).
type Scenario = demo.Scenario

// ScenarioKey is the i18n key of a scenario's menu item.
func ScenarioKey(s Scenario) string { return "ui.demo.sim." + string(s) }

// ScenarioSimulator simulates each Scenario (demo mode).
type ScenarioSimulator interface {
	SimulateScenario(ctx context.Context, s Scenario) (int64, error)
}

var _ ScenarioSimulator = (*demo.Demo)(nil)

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
func StatusTone(status calls.Status) Tone {
	switch status {
	case calls.StatusDelivered:
		return ToneGood
	case calls.StatusSending, calls.StatusRetrying:
		return ToneBusy
	case calls.StatusAttention, calls.StatusSkipped:
		return ToneWarn
	case calls.StatusFailed, calls.StatusInvalid:
		return ToneBad
	}
	return ToneNeutral
}

// StatusKey is the i18n key of a status label.
func StatusKey(status calls.Status) string { return "ui.status." + string(status) }

// Translate renders an i18n key; the ui package passes its translator.
type Translate func(key string) string

func (t Translate) or(key string) string {
	if t == nil {
		return key
	}
	return t(key)
}
