package rules

import (
	"context"
	"sort"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
)

// Figures: of Total calls, Pass go to TQM; Skipped counts the others by
// reason code.
type Figures struct {
	Total   int
	Pass    int
	Skipped map[string]int
}

// Reasons lists the skipped reason codes, most calls first.
func (f Figures) Reasons() []string {
	out := make([]string, 0, len(f.Skipped))
	for c := range f.Skipped {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if f.Skipped[out[i]] != f.Skipped[out[j]] {
			return f.Skipped[out[i]] > f.Skipped[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

func (f *Figures) add(why calls.Reason) {
	f.Total++
	if why.IsZero() {
		f.Pass++
		return
	}
	if f.Skipped == nil {
		f.Skipped = map[string]int{}
	}
	f.Skipped[why.Code]++
}

// Preview is what a set of rules would do.
type Preview struct {
	// Stored: the calls the bridge stored in the last 24 hours (invalid
	// rows and duplicates left out: they are never sent anyway).
	Stored Figures
	// Mango: the last 24 hours of Mango's statistics (nil when the VPBX
	// key is not set); MangoErr when they could not be read.
	Mango    *Figures
	MangoErr error
	// Tracking: how many calltracking numbers are known; with none and
	// the lines rule on tracking numbers, every inbound line counts.
	Tracking int
}

// CallLister lists stored calls (*store.Store).
type CallLister interface {
	List(ctx context.Context, f calls.Filter) ([]calls.Call, error)
}

// StatsSource fetches Mango's statistics rows (reconcile.Engine.Rows).
type StatsSource interface {
	Rows(ctx context.Context, from, to time.Time) ([]vpbx.StatsRow, error)
}

// PreviewInput is what MakePreview reads.
type PreviewInput struct {
	Rules   config.Rules
	Numbers Numbers
	Calls   CallLister
	Stats   StatsSource // nil: no VPBX key
	Now     time.Time
	Zone    *time.Location
}

// PreviewWindow is how far back the preview looks.
const PreviewWindow = 24 * time.Hour

// MakePreview decides every call of the last day under in.Rules, exactly
// as the roads would (Decide over FromStored), and counts.
func MakePreview(ctx context.Context, in PreviewInput) (Preview, error) {
	a := Applier{Rules: func() config.Rules { return in.Rules }, Numbers: in.Numbers, Zone: in.Zone}
	tr, err := a.Tracking(ctx)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Tracking: len(tr)}
	since := in.Now.Add(-PreviewWindow)
	list, err := in.Calls.List(ctx, calls.Filter{Since: since, Limit: 100000})
	if err != nil {
		return p, err
	}
	for _, c := range list {
		if c.Status == calls.StatusInvalid || c.Status == calls.StatusDuplicate {
			continue
		}
		p.Stored.add(Decide(in.Rules, tr, FromStored(c.Source, c.Params, c.Started), in.Zone))
	}
	if in.Stats != nil {
		rows, err := in.Stats.Rows(ctx, since, in.Now)
		f := Figures{}
		for _, r := range rows {
			mc, ok := mangocall.StatsRow(r, calls.SourceReconcile)
			if !ok {
				continue
			}
			f.add(Decide(in.Rules, tr, FromStored(mc.Source, mc.Params, mc.Started), in.Zone))
		}
		p.Mango, p.MangoErr = &f, err
	}
	return p, nil
}
