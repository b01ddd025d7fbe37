package vm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/reconcile"
)

// Reconciler is a Backend that reconciles with Mango's statistics and
// loads past periods (*bridge.Bridge; demo mode's bridge has nothing to
// show). The window shows the reconcile line and the backfill dialog only
// for such a backend.
type Reconciler interface {
	LastReconcile() (reconcile.Result, bool)
	Backfill(ctx context.Context, from, to time.Time, report func(reconcile.Progress)) (reconcile.Progress, error)
}

// ReconcileLine is the header's reconcile line. Key is "" when there is
// nothing to show (no run yet, reconcile off, no VPBX key).
type ReconcileLine struct {
	Key       string // ui.reconcile.ok or ui.reconcile.failed
	Time      string // when the run ended, local HH:MM
	New       int    // calls the bridge had missed
	ReasonKey string // why it failed (reconcile.fail.*)
	Error     string // technical detail for reconcile.fail.other
	Failed    bool
}

// Data fills the line's text; reason is the rendered ReasonKey.
func (l ReconcileLine) Data(reason string) map[string]any {
	return map[string]any{"Time": l.Time, "New": l.New, "Reason": reason}
}

// ReasonData fills the reason's text.
func (l ReconcileLine) ReasonData() map[string]any { return map[string]any{"Error": l.Error} }

// LoadReconcileLine reads the last reconcile of b (none when b does not
// reconcile).
func LoadReconcileLine(b Backend) ReconcileLine {
	r, ok := b.(Reconciler)
	if !ok {
		return ReconcileLine{}
	}
	res, ok := r.LastReconcile()
	if !ok {
		return ReconcileLine{}
	}
	return ReconcileLineOf(res)
}

// ReconcileLineOf turns a run's result into the header line.
func ReconcileLineOf(res reconcile.Result) ReconcileLine {
	l := ReconcileLine{Key: "ui.reconcile.ok", Time: res.At.Local().Format("15:04"), New: res.New}
	if res.Err == nil {
		return l
	}
	l.Key, l.Failed = "ui.reconcile.failed", true
	var ne net.Error
	switch {
	case res.CredentialsProblem():
		l.ReasonKey = "reconcile.fail.credentials"
	case errors.As(res.Err, &ne), errors.Is(res.Err, context.DeadlineExceeded):
		l.ReasonKey = "reconcile.fail.network"
	default:
		l.ReasonKey, l.Error = "reconcile.fail.other", res.Err.Error()
	}
	return l
}

// SourceKey is the i18n key of a call's source ("" when unknown).
func SourceKey(s calls.Source) string {
	if s == "" {
		return ""
	}
	return "ui.source." + string(s)
}

// ErrBackfillDates: the backfill dialog's dates are not understood.
var ErrBackfillDates = errors.New("backfill: bad dates")

// ParseBackfill reads the backfill dialog's dates (Moscow time; a date
// alone as "to" includes that day). to "" means now.
func ParseBackfill(fromText, toText string, now time.Time) (from, to time.Time, err error) {
	from, err = reconcile.ParseTime(fromText, false)
	if err != nil {
		return from, to, ErrBackfillDates
	}
	to = now
	if strings.TrimSpace(toText) != "" {
		if to, err = reconcile.ParseTime(toText, true); err != nil {
			return from, to, ErrBackfillDates
		}
	}
	if !from.Before(to) || !from.Before(now) {
		return from, to, ErrBackfillDates
	}
	return from, to, nil
}

// DefaultBackfill is the dialog's proposal: the last 30 days, as dates.
func DefaultBackfill(now time.Time) (from, to string) {
	n := now.In(calls.Moscow())
	return n.AddDate(0, 0, -30).Format("2006-01-02"), n.Format("2006-01-02")
}

// ProgressData fills ui.backfill.* texts.
func ProgressData(p reconcile.Progress) map[string]any {
	return map[string]any{"Chunks": p.Chunks, "Done": p.ChunksDone, "Found": p.Found, "New": p.New,
		"Known": p.Known, "Skipped": p.Skipped}
}

// ProgressValue is the progress bar's value (0..1).
func ProgressValue(p reconcile.Progress) float64 {
	if p.Chunks == 0 {
		if p.Done {
			return 1
		}
		return 0
	}
	return float64(p.ChunksDone) / float64(p.Chunks)
}

// EveryText writes an interval the way people read it: 15m, 1h, 1h30m.
func EveryText(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dm", m)
}
