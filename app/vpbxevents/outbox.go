package vpbxevents

import (
	"context"
	"log/slog"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/store"
)

// JoinStore is the part of *store.Store the joining outbox uses.
type JoinStore interface {
	ClaimN(ctx context.Context, n int) ([]calls.Call, error)
	Unclaim(ctx context.Context, rows []int64) error
	Finish(ctx context.Context, row int64, st calls.Step) error
	NextDue(ctx context.Context) (time.Time, bool, error)
	JoinStored(ctx context.Context, row int64, rule store.JoinRule) (of int64, merged bool, err error)
}

// Outbox is a delivery outbox (delivery.Outbox) that, while the source
// setting is "both", does this: before a calltracking call is handed to delivery, it is joined
// with an earlier VPBX copy of the same call, if there is one — it then
// becomes that call's duplicate and is never sent. (A VPBX summary is
// joined when it is stored; the receiver stores calltracking webhooks
// without looking, so this is where their join happens, race-free: the
// row is claimed when it is checked.)
type Outbox struct {
	st       JoinStore
	rule     store.JoinRule
	sources  func() config.Sources
	log      *slog.Logger
	onJoined func(row int64)
}

// NewOutbox wraps st. sources is read at every claim (nil = always
// "both"); window 0 means store.DefaultJoinWindow; onJoined (optional) is
// told about each calltracking row turned into a duplicate.
func NewOutbox(st JoinStore, sources func() config.Sources, window time.Duration, log *slog.Logger,
	onJoined func(row int64)) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sources == nil {
		sources = func() config.Sources { return config.SourcesBoth }
	}
	return &Outbox{st: st, rule: store.JoinRule{Other: sourceVPBX, Window: window, Reason: calls.NewReason(calls.CodeJoinVPBX)},
		sources: sources, log: log, onJoined: onJoined}
}

// Claim claims the next due call that is not a copy of an earlier VPBX call.
func (o *Outbox) Claim(ctx context.Context) (calls.Call, bool, error) {
	cs, err := o.ClaimN(ctx, 1)
	if err != nil || len(cs) == 0 {
		return calls.Call{}, false, err
	}
	return cs[0], true, nil
}

// ClaimN claims up to n due calls that are not copies of earlier VPBX calls
// (fewer when some were copies, none when nothing is due).
func (o *Outbox) ClaimN(ctx context.Context, n int) ([]calls.Call, error) {
	if o.sources() != config.SourcesBoth {
		return o.st.ClaimN(ctx, n)
	}
	return store.ClaimExcept(ctx, n, o.st.ClaimN, o.joined)
}

// joined turns a calltracking call c into a duplicate of its earlier VPBX
// copy, if there is one.
func (o *Outbox) joined(ctx context.Context, c calls.Call) bool {
	if c.Source != sourceCalltracking {
		return false
	}
	of, merged, err := o.st.JoinStored(ctx, c.ID, o.rule)
	if err != nil {
		// Sending is better than holding the call: at worst TQM gets it twice.
		o.log.Error("cannot check whether the call came via VPBX too; sending it", "row", c.ID, "err", err)
		return false
	}
	if of == 0 {
		return false
	}
	o.log.Info("calltracking call is the same as a VPBX call; logged as its duplicate", "row", c.ID,
		"call_id", c.CallID, "duplicate_of", of, "merged", merged)
	if o.onJoined != nil {
		o.onJoined(c.ID)
	}
	return true
}

// Unclaim implements delivery.Outbox.
func (o *Outbox) Unclaim(ctx context.Context, rows []int64) error { return o.st.Unclaim(ctx, rows) }

// Finish implements delivery.Outbox.
func (o *Outbox) Finish(ctx context.Context, row int64, st calls.Step) error {
	return o.st.Finish(ctx, row, st)
}

// NextDue implements delivery.Outbox.
func (o *Outbox) NextDue(ctx context.Context) (time.Time, bool, error) { return o.st.NextDue(ctx) }
