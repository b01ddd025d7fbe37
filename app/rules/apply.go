package rules

import (
	"context"
	"log/slog"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/store"
)

// Numbers lists the known calltracking numbers (*store.Store).
type Numbers interface {
	TrackingNumbers(ctx context.Context) ([]store.TrackingNumber, error)
}

// Applier applies the rules in effect where a road stores a call.
type Applier struct {
	Rules   func() config.Rules // read per call: a change applies at once
	Numbers Numbers
	Zone    *time.Location // working hours' zone (nil = time.Local)
	Logger  *slog.Logger
}

// Tracking loads the known calltracking numbers.
func (a *Applier) Tracking(ctx context.Context) (Tracking, error) {
	list, err := a.Numbers.TrackingNumbers(ctx)
	if err != nil {
		return nil, err
	}
	t := Tracking{}
	for _, n := range list {
		if k := Key(n.Number); k != "" {
			t[k] = true
		}
	}
	return t, nil
}

// Check is the decision for one call about to be stored: the zero reason
// to send it, else the rule it fails. When the numbers cannot be read the
// call is sent (never skipped by accident).
func (a *Applier) Check(ctx context.Context, nc store.NewCall) calls.Reason {
	if a == nil || a.Rules == nil || !nc.Invalid.IsZero() {
		return calls.Reason{}
	}
	r := a.Rules()
	var tr Tracking
	if r.Lines == config.LinesTracking && nc.Source != calls.SourceCalltracking && a.Numbers != nil {
		var err error
		if tr, err = a.Tracking(ctx); err != nil {
			if a.Logger != nil {
				a.Logger.Warn("calltracking numbers not readable; the lines rule is not applied to this call", "err", err)
			}
			tr = nil
		}
	}
	return Decide(r, tr, FromStored(nc.Source, nc.Params, nc.Started), a.Zone)
}
