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

// Reconciler is a bridge that reconciles with Mango's statistics and
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

// LoadReconcileLine reads the last reconcile of b (none when b is not a
// Reconciler: the demo).
func LoadReconcileLine(b any) ReconcileLine {
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
	case Offline(res.Err):
		l.ReasonKey = "reconcile.fail.offline" // no network here: not Mango's fault
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

// ErrBackfillDates: the backfill dialog's dates are not understood (every
// *DateError is one).
var ErrBackfillDates = errors.New("backfill: bad dates")

// ParseBackfill reads the backfill dialog's dates in Moscow time, in either
// form (ParseDate); a date alone as "to" includes that day, and "to" ""
// means now. Its error is a *DateError naming the field and the rule.
func ParseBackfill(fromText, toText string, now time.Time) (from, to time.Time, err error) {
	msk := calls.Moscow()
	from, _, err = ParseDate(fromText, msk)
	if err != nil {
		return from, to, &DateError{Field: "from", Rule: DateFormat, Text: strings.TrimSpace(fromText)}
	}
	to = now
	if strings.TrimSpace(toText) != "" {
		var dateOnly bool
		if to, dateOnly, err = ParseDate(toText, msk); err != nil {
			return from, to, &DateError{Field: "to", Rule: DateFormat, Text: strings.TrimSpace(toText)}
		}
		if dateOnly {
			to = to.AddDate(0, 0, 1)
		}
	}
	switch {
	case !from.Before(now):
		return from, to, &DateError{Field: "from", Rule: DateFuture, Text: strings.TrimSpace(fromText)}
	case !from.Before(to):
		return from, to, &DateError{Field: "to", Rule: DateOrder, Text: strings.TrimSpace(toText)}
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

// EveryText writes an interval in words: «15 минут», «2 часа», «1 час
// 10 минут» (t renders desk.unit.* with the count; nil: «15m»-like keys).
func EveryText(d time.Duration, t TranslateData) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	word := func(unit string, n int) string {
		if t == nil {
			return fmt.Sprintf("%d%s", n, unit[:1])
		}
		return t("desk.unit."+unit+"."+PluralForm(n), map[string]any{"N": n})
	}
	switch {
	case h > 0 && m > 0 && t == nil:
		return word("hour", h) + word("minute", m)
	case h > 0 && m > 0:
		return word("hour", h) + " " + word("minute", m)
	case h > 0:
		return word("hour", h)
	}
	return word("minute", m)
}

// EveryPhrase is the whole «каждые …» phrase of a repeat interval:
// «каждый час», «каждые 15 минут», «каждые 2 часа».
func EveryPhrase(d time.Duration, t TranslateData) string {
	switch d {
	case time.Hour:
		return t("desk.every.hour", nil)
	case time.Minute:
		return t("desk.every.minute", nil)
	}
	return t("desk.every", map[string]any{"Every": EveryText(d, t)})
}

// PluralForm is the Russian plural form of n: "one" (1, 21), "few" (2–4,
// 22–24), "many" (5–20, 25…). English texts use "one" and the others alike.
func PluralForm(n int) string {
	n %= 100
	switch {
	case n >= 11 && n <= 14:
		return "many"
	case n%10 == 1:
		return "one"
	case n%10 >= 2 && n%10 <= 4:
		return "few"
	}
	return "many"
}
