package bridge

// The import rules where the bridge's roads store calls (receiver, VPBX
// events, reconcile and backfill), the calltracking numbers, and the live
// preview of the rules page.

import (
	"context"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/rules"
	"mangotqm/store"
)

// rulesApplier applies the rules in effect (read per call: a change in
// the settings applies to the next call, no restart).
func (b *Bridge) rulesApplier() *rules.Applier {
	return &rules.Applier{Rules: func() config.Rules { return b.Config().Rules }, Numbers: b.store,
		Zone: time.Local, Logger: b.log.With("part", "rules")}
}

// decide is the roads' hook: the zero reason, or the rule the call fails.
func (b *Bridge) decide(ctx context.Context, nc store.NewCall) calls.Reason {
	return b.rulesApplier().Check(ctx, nc)
}

// TrackingNumbers lists the known calltracking numbers (learned from the
// webhooks, or typed in).
func (b *Bridge) TrackingNumbers(ctx context.Context) ([]TrackingNumber, error) {
	return b.store.TrackingNumbers(ctx)
}

// SetTrackingNumbers replaces the calltracking numbers with numbers.
func (b *Bridge) SetTrackingNumbers(ctx context.Context, numbers []string) error {
	if err := b.store.SetTrackingNumbers(ctx, numbers); err != nil {
		return err
	}
	b.publish(Event{Kind: EventConfig})
	return nil
}

// RulesPreview tells what r would do to the calls stored in the last day
// and, when the VPBX key is set, to the last 24 hours of Mango's call
// statistics (without storing anything).
func (b *Bridge) RulesPreview(ctx context.Context, r config.Rules) (rules.Preview, error) {
	var stats rules.StatsSource
	if b.vpbxReady(ctx) {
		stats = cachedRows{c: &b.previewRows, b: b}
	}
	return rules.MakePreview(ctx, rules.PreviewInput{Rules: r, Numbers: b.store, Calls: b.store, Stats: stats,
		Now: b.opts.Clock.Now(), Zone: time.Local})
}

// TrackingNumber is one known calltracking number (the rules page).
type TrackingNumber = store.TrackingNumber

// previewRowsFor is how long the preview reuses Mango's statistics: every
// change on the rules page recounts, but Mango is asked at most this often
// (its statistics requests are slow and limited).
const previewRowsFor = 5 * time.Minute

// rowCache keeps the last statistics the preview read.
type rowCache struct {
	mu   sync.Mutex
	at   time.Time
	rows []vpbx.StatsRow
}

type cachedRows struct {
	c *rowCache
	b *Bridge
}

// Rows implements rules.StatsSource: the cached rows while fresh, else
// the engine's (the same spacing and lockout rules as reconcile).
func (r cachedRows) Rows(ctx context.Context, from, to time.Time) ([]vpbx.StatsRow, error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	now := r.b.opts.Clock.Now()
	if !c.at.IsZero() && now.Sub(c.at) < previewRowsFor {
		return c.rows, nil
	}
	rows, err := r.b.reconcileEngine().Rows(ctx, from, to)
	if err != nil {
		return nil, err
	}
	c.at, c.rows = now, rows
	return rows, nil
}
