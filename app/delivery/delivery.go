// Package delivery drains the calls outbox into TQM: it claims due calls,
// maps and validates them, sends them at a smooth rate, and records every
// try. A call is never dropped: a TQM outage means "retrying", a 429 slows
// the whole sender down (Retry-After is honoured, the try is not counted),
// a rejected key pauses sending until the key changes, a call TQM refuses
// needs the user's attention. What a try does to its call is decided by
// calls.Next alone; this package carries it out.
//
// One concern per file: the worker's loop and one send (worker.go), the
// calls claimed ahead of sending (claimahead.go), the rate (pacer.go), the
// pause with its named transitions (pause.go), the sweep of calls stuck
// "sending" (sweeper.go). Everything they depend on is given in Config.
package delivery

import (
	"context"
	"log/slog"
	"math"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
	"mangotqm/app/mapping"
	"mangotqm/store"
)

// Sender sends one mapped call to TQM. err describes a failure without an
// HTTP answer (the try is then a retry, whatever the Result says) and never
// contains a secret.
type Sender interface {
	Send(ctx context.Context, call calls.Call, fields []mapping.Field) (calls.Result, error)
}

// Outbox is the part of the store the worker uses.
type Outbox interface {
	// ClaimN claims up to n due calls, earliest first (marked sending, the
	// try counted, committed); none when nothing is due.
	ClaimN(ctx context.Context, n int) ([]calls.Call, error)
	// Unclaim hands back claimed calls that were not tried.
	Unclaim(ctx context.Context, rows []int64) error
	// Finish records a try as calls.Next computed it.
	Finish(ctx context.Context, row int64, st calls.Step) error
	NextDue(ctx context.Context) (time.Time, bool, error)
}

// PauseStore keeps the pause across restarts (*store.Store).
type PauseStore interface {
	LoadPause(ctx context.Context) (store.Pause, error)
	SavePause(ctx context.Context, p store.Pause) error
}

// StuckSweeper re-queues calls left "sending" (*store.Store).
type StuckSweeper interface {
	RequeueStuck(ctx context.Context, before time.Time, skip func(row int64) bool) ([]int64, error)
}

// Incident kinds raised by delivery.
const (
	IncidentKeyRejected = "tqm_key_rejected"
	IncidentCallFailed  = "call_failed"
)

// Config of a Worker. Outbox, Sender and Mapping are required; the rest
// has defaults, and a nil dependency turns its feature off.
type Config struct {
	Outbox  Outbox
	Sender  Sender
	Mapping func(ctx context.Context) (mapping.Config, error)
	// Join, if set, is asked about each claimed call before it is sent:
	// true means the call was a late copy of one stored earlier and is now
	// its duplicate, not to be sent (mangocall.Join.Joined).
	Join func(ctx context.Context, c calls.Call) bool
	// Pauses keeps the pause across restarts and lets `mangotqm resume`
	// clear it; nil: the pause lives as long as the worker.
	Pauses PauseStore
	// Stuck re-queues calls stuck "sending"; nil: no sweep.
	Stuck StuckSweeper
	// KeyFingerprint reads the fingerprint of the TQM key that would be
	// sent now; nil: a pause for a rejected key cannot notice that the key
	// was changed (it then tries one call after a restart).
	KeyFingerprint func(ctx context.Context) (string, error)
	// Schedule is the retry schedule; default calls.Svix.
	Schedule calls.Schedule
	Rate     float64 // requests per second, evenly spaced; default 5
	// MaxInFlight bounds concurrent requests; default InFlightFor(Rate),
	// enough for the rate to be reached while TQM answers within a second.
	MaxInFlight int
	// SendTimeout is the deadline of one Send (recording download and
	// upload included); default DefaultSendTimeout. A send past it is
	// abandoned and the call retried.
	SendTimeout time.Duration
	// RateLimitWait is how long the whole sender holds back after a 429
	// without Retry-After; default 30 s.
	RateLimitWait time.Duration
	// PauseCheckEvery: while paused, how often the saved pause and the key
	// are looked at again; default 5 s.
	PauseCheckEvery time.Duration
	// SweepEvery: how often calls stuck "sending" for more than StuckAfter
	// (default store.SendingStaleAfter) are re-queued; default 1 min.
	SweepEvery time.Duration
	StuckAfter time.Duration
	// FileLinkRequired says, at each try, whether calls are sent by link
	// (fileLink must be present); nil = never.
	FileLinkRequired func() bool
	// Drain is how long Stop waits for in-flight sends; default 10 s.
	Drain time.Duration
	// Clock tells the time of tries and waits (default: the wall clock).
	Clock  clock.Clock
	Logger *slog.Logger
	// OnCall is told after a call's state changed.
	OnCall func(row int64)
	// OnIncident is told when an incident must open (or clear).
	OnIncident func(kind string, open bool, message string)
	// OnPause is told when delivery pauses itself (TQM rejected the key).
	OnPause func()
	// OnResume is told when delivery resumes by itself (the key changed, or
	// the saved pause was cleared by `mangotqm resume`) or through Resume.
	OnResume func()
}

// DefaultSendTimeout is the default Config.SendTimeout.
const DefaultSendTimeout = 5 * time.Minute

// InFlightFor is the default number of concurrent sends for a rate: the
// rate times one second (a TQM answering within a second does not slow
// delivery below the rate), at least 4 and at most 128.
func InFlightFor(perSecond float64) int {
	return int(min(max(math.Ceil(perSecond), 4), 128))
}

// withDefaults fills the zero settings.
func (cfg Config) withDefaults() Config {
	if cfg.Schedule == nil {
		cfg.Schedule = calls.Svix
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = InFlightFor(cfg.Rate)
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if cfg.RateLimitWait <= 0 {
		cfg.RateLimitWait = 30 * time.Second
	}
	if cfg.PauseCheckEvery <= 0 {
		cfg.PauseCheckEvery = 5 * time.Second
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	if cfg.StuckAfter <= 0 {
		cfg.StuckAfter = store.SendingStaleAfter
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 10 * time.Second
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}
