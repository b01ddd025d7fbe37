// Package reconcile makes sure no call is left behind: it compares the
// bridge's calls with Mango's VPBX call statistics (docs/mango.md §3.6) and stores
// every call Mango has and the bridge does not — periodically (Loop, source
// "reconcile") and for any past period on request (Backfill, source
// "backfill"). Stored calls are delivered like any other, with their
// recordings (the statistics' record ids are attached to the call).
//
// Mango's rules hold (docs/mango.md §3.3, §3.6): at most one stats/request per
// 2 s (RequestEvery, default 2.1 s), stats/result polled no more often than
// every 5 s (PollEvery; 204 = not ready), at most one month per request
// (periods are cut into chunks of vpbx.MaxStatsRange), and the VPBX
// client's lockout guard: while it is paused, nothing is sent and the
// engine waits for the pause to end (or gives up when the cause is the
// VPBX code or signing key, which the user must fix).
//
// "Already has" (store.ImportMango): the same entry id, or a calltracking or
// VPBX-events call with the same caller number and a start within ±2 min.
// A webhook that arrives after its call was reconciled is joined to it when
// delivery claims it (the join step, mangocall.Join): logged as a
// duplicate, never sent twice.
//
// Nothing is lost: each chunk's calls are stored in one transaction with
// the checkpoint, so a crash or Ctrl-C loses at most the chunk in flight
// and a rerun resumes after the last stored chunk; the entry id makes a
// repeated call "already known", never a second row.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
	"mangotqm/app/mango/vpbx"
	"mangotqm/store"
)

// Stats is the part of *vpbx.Client the engine uses.
type Stats interface {
	StatsRequest(ctx context.Context, from, to time.Time, filter vpbx.StatsFilter) (string, error)
	StatsResult(ctx context.Context, key string) (rows []vpbx.StatsRow, ready bool, err error)
	LockedOut() *vpbx.LockoutError
}

// Store is the part of *store.Store the engine uses.
type Store interface {
	ImportMango(ctx context.Context, cs []store.MangoCall, window time.Duration, checkpoint func(store.Imported) []store.Checkpoint) (store.Imported, error)
	GetSetting(ctx context.Context, key string, v any) (bool, error)
	SetSetting(ctx context.Context, key string, v any) error
}

// Clock is the one clock of the bridge (app/clock); tests pass a fake one.
type Clock = clock.Clock

// RealClock is the wall clock.
type RealClock = clock.Real

// Defaults (Mango's limits with a margin).
const (
	DefaultRequestEvery = 2100 * time.Millisecond // Mango: 1 stats/request per 2 s
	DefaultPollEvery    = 5 * time.Second         // Mango: poll stats/result at most every 5 s
	DefaultPollTimeout  = 10 * time.Minute        // per chunk
	DefaultOverlap      = time.Hour               // reconcile windows overlap the last one by this
	DefaultFirstLook    = time.Hour               // the first reconcile looks back this far
	DefaultSettle       = 2 * time.Minute         // calls that ended this recently wait for the next run
	maxRetries          = 5                       // per chunk: rate limits, expired keys
)

// Config of an Engine. Stats and Store are required.
type Config struct {
	Stats Stats
	Store Store
	Clock Clock // default RealClock
	// Epoch is not needed: the client decodes Mango's timestamps.

	RequestEvery time.Duration // between two stats/request; default DefaultRequestEvery
	PollEvery    time.Duration // between stats/request and each stats/result poll; default DefaultPollEvery
	PollTimeout  time.Duration // give a chunk up after this long not ready; default DefaultPollTimeout
	MaxChunk     time.Duration // longest period per request; default vpbx.MaxStatsRange
	JoinWindow   time.Duration // "same call" start tolerance; default store.DefaultJoinWindow

	Overlap   time.Duration // reconcile: default DefaultOverlap
	FirstLook time.Duration // reconcile: default DefaultFirstLook
	Settle    time.Duration // reconcile: default DefaultSettle; < 0 means none

	// OnStored is told about rows stored (wake delivery, refresh the window).
	OnStored func(rows []int64)
	Logger   *slog.Logger
	// Decide applies the import rules (app/rules) to each row's call: one
	// that fails a rule is stored as skipped with that reason. nil = none.
	Decide func(context.Context, store.NewCall) calls.Reason
}

// Engine fetches Mango's statistics chunk by chunk and stores what is new.
// Reconcile runs and backfills share one Engine so that the spacing of
// stats requests holds across them. Safe for concurrent use; chunks are
// fetched one at a time.
type Engine struct {
	cfg Config
	log *slog.Logger

	fetch       sync.Mutex // one chunk at a time
	lastRequest time.Time  // clock time of the last stats/request

	pollMu       sync.Mutex
	lastLongLook time.Time // poll.go: when a poll last looked PollLongLook back
}

// New returns an Engine.
func New(cfg Config) *Engine {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RequestEvery <= 0 {
		cfg.RequestEvery = DefaultRequestEvery
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = DefaultPollTimeout
	}
	if cfg.MaxChunk <= 0 || cfg.MaxChunk > vpbx.MaxStatsRange {
		cfg.MaxChunk = vpbx.MaxStatsRange
	}
	if cfg.JoinWindow <= 0 {
		cfg.JoinWindow = store.DefaultJoinWindow
	}
	if cfg.Overlap <= 0 {
		cfg.Overlap = DefaultOverlap
	}
	if cfg.FirstLook <= 0 {
		cfg.FirstLook = DefaultFirstLook
	}
	if cfg.Settle == 0 {
		cfg.Settle = DefaultSettle
	}
	return &Engine{cfg: cfg, log: cfg.Logger}
}

// Chunk is one stats request's period: [From, To].
type Chunk struct{ From, To time.Time }

// Chunks cuts [from, to] into periods of at most max each, in order.
func Chunks(from, to time.Time, max time.Duration) []Chunk {
	var out []Chunk
	for a := from; a.Before(to); {
		b := a.Add(max)
		if b.After(to) {
			b = to
		}
		out = append(out, Chunk{From: a, To: b})
		a = b
	}
	return out
}

// ErrCredentials: Mango refused the VPBX code or signing key (or they are
// not set); nothing more is tried until they change.
var ErrCredentials = errors.New("reconcile: Mango refused the VPBX code or signing key")

// fetchChunk runs stats/request for c and polls stats/result until the
// rows are ready, keeping Mango's spacing, waiting out the client's
// lockout pauses and rate limits, and asking again when a key expired.
func (e *Engine) fetchChunk(ctx context.Context, c Chunk) ([]vpbx.StatsRow, error) {
	e.fetch.Lock()
	defer e.fetch.Unlock()
	clk := e.cfg.Clock
	for attempt := 0; ; attempt++ {
		if attempt > maxRetries {
			return nil, fmt.Errorf("reconcile: statistics for %s..%s: gave up after %d tries", c.From.Format(time.RFC3339), c.To.Format(time.RFC3339), attempt)
		}
		if err := e.waitLockout(ctx); err != nil {
			return nil, err
		}
		if d := e.lastRequest.Add(e.cfg.RequestEvery).Sub(clk.Now()); d > 0 {
			if err := clk.Sleep(ctx, d); err != nil {
				return nil, err
			}
		}
		e.lastRequest = clk.Now()
		key, err := e.cfg.Stats.StatsRequest(ctx, c.From, c.To, vpbx.StatsFilter{})
		if err != nil {
			if retry, werr := e.retryable(ctx, err); retry {
				continue
			} else if werr != nil {
				return nil, werr
			}
			return nil, fmt.Errorf("reconcile: stats/request %s..%s: %w", c.From.Format(time.RFC3339), c.To.Format(time.RFC3339), err)
		}
		deadline := clk.Now().Add(e.cfg.PollTimeout)
		again := false
		for !again {
			if err := clk.Sleep(ctx, e.cfg.PollEvery); err != nil {
				return nil, err
			}
			if err := e.waitLockout(ctx); err != nil {
				return nil, err
			}
			rows, ready, err := e.cfg.Stats.StatsResult(ctx, key)
			switch {
			case errors.Is(err, vpbx.ErrStatsKeyExpired):
				e.log.Warn("Mango forgot the statistics key; asking again", "from", c.From, "to", c.To)
				again = true
				continue
			case err != nil:
				if retry, werr := e.retryable(ctx, err); retry {
					continue
				} else if werr != nil {
					return nil, werr
				}
				return nil, fmt.Errorf("reconcile: stats/result: %w", err)
			case ready:
				return rows, nil
			}
			if clk.Now().After(deadline) {
				return nil, fmt.Errorf("reconcile: %w after %s (%s..%s)", vpbx.ErrStatsTimeout, e.cfg.PollTimeout,
					c.From.Format(time.RFC3339), c.To.Format(time.RFC3339))
			}
		}
	}
}

// waitLockout waits while the client is paused after an invalid request;
// a pause caused by the credentials ends the work with ErrCredentials.
func (e *Engine) waitLockout(ctx context.Context) error {
	for {
		lo := e.cfg.Stats.LockedOut()
		if lo == nil {
			return nil
		}
		if lo.Credentials() {
			return fmt.Errorf("%w: %w", ErrCredentials, lo)
		}
		d := lo.Until.Sub(e.cfg.Clock.Now()) + time.Second
		e.log.Info("requests to Mango are paused after an invalid request; waiting", "until", lo.Until)
		if err := e.cfg.Clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// retryable decides about an error of the client: a rate limit or a lockout
// not caused by the credentials is waited out (retry), credentials end the
// work (werr), anything else is returned by the caller.
func (e *Engine) retryable(ctx context.Context, err error) (retry bool, werr error) {
	var rl *vpbx.RateLimitError
	var lo *vpbx.LockoutError
	switch {
	case errors.Is(err, vpbx.ErrNoCredentials):
		return false, fmt.Errorf("%w: %w", ErrCredentials, err)
	case errors.As(err, &lo) && lo.Credentials():
		return false, fmt.Errorf("%w: %w", ErrCredentials, err)
	case errors.As(err, &lo):
		return true, nil // waitLockout waits before the next try
	case errors.As(err, &rl):
		d := rl.RetryAfter
		if d <= 0 {
			d = e.cfg.RequestEvery
		}
		e.log.Info("Mango asked to slow down; waiting", "retry_after", d)
		if err := e.cfg.Clock.Sleep(ctx, d); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}
