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
	"mangotqm/app/config"
	"mangotqm/app/demo"
	"mangotqm/app/mapping"
	"mangotqm/tunnel"
)

// The bridge as its consumers here see it: small roles, each what one part
// of the window needs. *bridge.Bridge and *demo.Demo satisfy all of them;
// vmtest.Fake stands in for them in tests.

// CallLog is the call log: the table, the details, the chart, the incidents.
type CallLog interface {
	Subscribe() (<-chan bridge.Event, func())
	Calls(ctx context.Context, f calls.Filter) ([]calls.Call, error)
	Call(ctx context.Context, row int64) (calls.Call, []calls.Attempt, error)
	Counts(ctx context.Context) (calls.Counts, error)
	Incidents(ctx context.Context) ([]calls.Incident, error)
	// AttemptCounts: the tries stored per call row (the table's column).
	AttemptCounts(ctx context.Context, rows []int64) (map[int64]int, error)
	// DailyCounts: calls per local day, the last days days, today last.
	DailyCounts(ctx context.Context, days int) ([]bridge.DayCount, error)
}

// Deliveries are the buttons that change deliveries: resend, pause.
type Deliveries interface {
	Resend(ctx context.Context, row int64) error
	ResendFailedSince(ctx context.Context, since time.Time) (int, error)
	SetPaused(ctx context.Context, paused bool) error
	Paused() bool
}

// Mappings is the mapping editor's: the rules and their preview.
type Mappings interface {
	Mapping(ctx context.Context) (mapping.Config, error)
	SetMapping(ctx context.Context, m mapping.Config) error
	Preview(ctx context.Context, m mapping.Config) (mapping.Result, error)
}

// Tunnel is the header's: where Mango reaches the bridge and how that goes.
type Tunnel interface {
	Endpoints() []bridge.Endpoint
	TunnelStatus() tunnel.Status
	MarkURLCopied(ctx context.Context, url string) error
}

// Place says where the bridge keeps its data and whether it is the demo.
type Place interface {
	DataDir() string
	Demo() bool
}

// Backend is what the main window needs (its roles together).
type Backend interface {
	CallLog
	Deliveries
	Mappings
	Tunnel
	Place
}

// Settings is the configuration of the data folder (the settings window,
// the wizard's road page).
type Settings interface {
	Config() config.Config
	SetConfig(ctx context.Context, c config.Config) error
}

// Keys is what the wizard and «Изменить ключи» need: a live check of
// Mango's VPBX code and key, and taking up keys newly saved in the keychain.
type Keys interface {
	ReloadSecrets(ctx context.Context)
	VPBXChecker() func(ctx context.Context, key, salt string) (int, error)
}

// Backups are the settings window's copies of the database.
type Backups interface {
	Backup(ctx context.Context) (string, error)
	Backups() []string
}

// Gap is the fetching of the calls that may be missing after a restore or
// a salvage (its progress comes as events).
type Gap interface {
	GapStatus() bridge.GapStatus
	Subscribe() (<-chan bridge.Event, func())
}

// Lifecycle starts and stops the bridge; OpenTunnel retries the road.
type Lifecycle interface {
	Start(ctx context.Context) error
	OpenTunnel(ctx context.Context) error
	Close(ctx context.Context) error
}

// Bridge is all the desktop app runs: what the composition root (main)
// builds — a bridge, or the demo — and hands to the UI.
type Bridge interface {
	Backend
	Settings
	Keys
	Backups
	Gap
	Lifecycle
}

var (
	_ Bridge = (*bridge.Bridge)(nil)
	_ Bridge = (*demo.Demo)(nil)
)

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
