package mangocall

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"mangotqm/app/calls"
	"mangotqm/store"
)

// One call can reach the bridge more than once: as a calltracking webhook,
// as a VPBX events/summary and as a row of Mango's statistics (reconcile,
// backfill). The copies that arrive first are stored and sent; a later
// copy becomes the duplicate of the earlier one (joined on the entry id,
// else on the caller's number and a start within the join window; see
// store.JoinStored). A VPBX summary and a statistics row are joined when
// they are stored; a calltracking webhook — stored by the receiver without
// looking — and a webhook or summary that arrives after the statistics
// brought its call are joined by the join step, when delivery claims them:
// race-free, because the row is claimed when it is checked.

// JoinRule says which claimed calls join which earlier ones.
type JoinRule struct {
	// Late are the sources of the claimed calls the rule applies to.
	Late []calls.Source
	// Early finds the earlier copy: its source, the start tolerance and the
	// reason stored on the late copy.
	Early store.JoinRule
	// Joined is logged when a call became a duplicate; Unsure when the
	// store could not tell (the call is then sent: at worst TQM gets it
	// twice, which is better than holding it).
	Joined, Unsure string
}

// JoinRules are Mango's join rules, in the order they are tried: a webhook
// or VPBX call that Mango's statistics brought earlier (whatever the source
// setting), then — only while calls come from both calltracking and VPBX
// events (both) — a webhook whose VPBX copy came first. window 0 is
// store.DefaultJoinWindow.
func JoinRules(both bool, window time.Duration) []JoinRule {
	late := []calls.Source{calls.SourceCalltracking, calls.SourceVPBX}
	rules := []JoinRule{}
	for _, early := range []calls.Source{calls.SourceReconcile, calls.SourceBackfill} {
		rules = append(rules, JoinRule{Late: late,
			Early:  store.JoinRule{Other: early, Window: window, Reason: calls.NewReason(calls.CodeJoinReconciled)},
			Joined: "late call: the reconcile with Mango brought it already; logged as its duplicate",
			Unsure: "cannot check whether Mango's statistics brought the call already; sending it"})
	}
	if both {
		rules = append(rules, JoinRule{Late: []calls.Source{calls.SourceCalltracking},
			Early:  store.JoinRule{Other: calls.SourceVPBX, Window: window, Reason: calls.NewReason(calls.CodeJoinVPBX)},
			Joined: "calltracking call is the same as a VPBX call; logged as its duplicate",
			Unsure: "cannot check whether the call came via VPBX too; sending it"})
	}
	return rules
}

// JoinStore is the part of *store.Store the join step uses.
type JoinStore interface {
	JoinStored(ctx context.Context, row int64, rule store.JoinRule) (of int64, merged bool, err error)
}

// Join is the join step: delivery asks it about every call it claimed
// (delivery.Config.Join) before sending it.
type Join struct {
	Store JoinStore
	// Rules are read for every call (the source setting may change while
	// the app runs); nil: JoinRules(false, 0).
	Rules    func() []JoinRule
	Logger   *slog.Logger
	OnJoined func(row int64) // told about each call turned into a duplicate
}

// Joined applies the rules to the claimed call c: true when it is a late
// copy of an earlier call and was stored as its duplicate (not to be sent).
func (j Join) Joined(ctx context.Context, c calls.Call) bool {
	log := j.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rules := JoinRules(false, 0)
	if j.Rules != nil {
		rules = j.Rules()
	}
	for _, r := range rules {
		if !slices.Contains(r.Late, c.Source) {
			continue
		}
		of, merged, err := j.Store.JoinStored(ctx, c.ID, r.Early)
		if err != nil {
			log.Error(r.Unsure, "row", c.ID, "err", err)
			continue
		}
		if of == 0 {
			continue
		}
		log.Info(r.Joined, "row", c.ID, "source", c.Source, "call_id", c.CallID, "duplicate_of", of, "merged", merged)
		if j.OnJoined != nil {
			j.OnJoined(c.ID)
		}
		return true
	}
	return false
}
