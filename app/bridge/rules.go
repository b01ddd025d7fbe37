package bridge

// The import rules where the bridge's roads store calls (receiver, VPBX
// events, reconcile and backfill), the calltracking numbers, and the live
// preview of the rules page.

import (
	"context"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
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
		stats = b.reconcileEngine()
	}
	return rules.MakePreview(ctx, rules.PreviewInput{Rules: r, Numbers: b.store, Calls: b.store, Stats: stats,
		Now: b.opts.Now(), Zone: time.Local})
}

// TrackingNumber is one known calltracking number (the rules page).
type TrackingNumber = store.TrackingNumber
