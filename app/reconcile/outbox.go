package reconcile

import (
	"context"
	"log/slog"
	"time"

	"mangotqm/app/calls"
	"mangotqm/store"
)

// Outbox is the store as delivery's outbox with one more rule at claim
// time: a calltracking webhook or VPBX-events call that arrived after
// Mango's statistics brought the same call (reconcile or backfill) becomes
// that call's duplicate (logged, never sent). The receiver stores every
// webhook as it comes; this is where the late ones are recognised,
// race-free, because the row is claimed when it is checked.
//
// It embeds *store.Store so that every other method delivery or an outer
// outbox looks for (by interface or type assertion) passes through.
type Outbox struct {
	*store.Store
	window   time.Duration
	log      *slog.Logger
	onJoined func(row int64)
}

// NewOutbox wraps st; onJoined (optional) is told about each row turned
// into a duplicate.
func NewOutbox(st *store.Store, window time.Duration, log *slog.Logger, onJoined func(row int64)) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{Store: st, window: window, log: log, onJoined: onJoined}
}

// Claim claims the next due call that Mango's statistics did not bring
// earlier.
func (o *Outbox) Claim(ctx context.Context) (calls.Call, bool, error) {
	cs, err := o.ClaimN(ctx, 1)
	if err != nil || len(cs) == 0 {
		return calls.Call{}, false, err
	}
	return cs[0], true, nil
}

// ClaimN claims up to n due calls that Mango's statistics did not bring
// earlier (fewer when some were late copies, none when nothing is due).
func (o *Outbox) ClaimN(ctx context.Context, n int) ([]calls.Call, error) {
	return store.ClaimExcept(ctx, n, o.Store.ClaimN, o.joined)
}

// joined turns c into a duplicate of a reconciled or backfilled copy, if
// there is one.
func (o *Outbox) joined(ctx context.Context, c calls.Call) bool {
	if c.Source != calls.SourceCalltracking && c.Source != calls.SourceVPBX {
		return false
	}
	of, merged, err := o.Store.JoinReconciled(ctx, c.ID, o.window)
	if err != nil {
		// Sending is better than holding the call: at worst TQM gets it twice.
		o.log.Error("cannot check whether Mango's statistics brought the call already; sending it", "row", c.ID, "err", err)
		return false
	}
	if of == 0 {
		return false
	}
	o.log.Info("late call: the reconcile with Mango brought it already; logged as its duplicate", "row", c.ID,
		"source", c.Source, "call_id", c.CallID, "duplicate_of", of, "merged", merged)
	if o.onJoined != nil {
		o.onJoined(c.ID)
	}
	return true
}
