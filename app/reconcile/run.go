package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
	"mangotqm/store"
)

// Setting keys of the checkpoints.
const (
	SettingReconcile = "reconcile.checkpoint" // reconcileCheckpoint
	SettingBackfill  = "reconcile.backfill"   // backfillJob
)

// Progress of a backfill (or of a reconcile run).
type Progress struct {
	From, To   time.Time
	Chunks     int // stats requests the period needs
	ChunksDone int
	Found      int // calls in Mango's statistics
	New        int // stored (delivered, or skipped with the reason)
	Known      int // the bridge had them already
	Skipped    int // of New, stored as skipped (missed, too short, internal)
	Resumed    bool
	Done       bool

	// SkippedBy counts the skipped calls by reason code ("rule.line", …).
	SkippedBy map[string]int
}

// Result is the outcome of one reconcile run (the window's header line).
type Result struct {
	At       time.Time // when the run ended
	From, To time.Time // the window
	Found    int
	New      int // calls the bridge had missed, now stored
	Known    int
	Skipped  int
	Err      error // nil when it worked
}

// Failed reports whether the run failed.
func (r Result) Failed() bool { return r.Err != nil }

// CredentialsProblem reports whether the run failed because Mango refused
// the VPBX code or signing key (or they are not set).
func (r Result) CredentialsProblem() bool { return errors.Is(r.Err, ErrCredentials) }

type reconcileCheckpoint struct {
	Until time.Time `json:"until"` // end of the last window stored
}

type backfillJob struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`   // as asked (may lie in the future)
	Done     time.Time `json:"done"` // every chunk up to here is stored
	Found    int       `json:"found"`
	New      int       `json:"new"`
	Known    int       `json:"known"`
	Skipped  int       `json:"skipped"`
	Finished bool      `json:"finished"`

	// SkippedBy: skipped calls by reason code.
	SkippedBy map[string]int `json:"skipped_by,omitempty"`
}

// run fetches and stores chunks in order. keep (optional) drops rows;
// checkpoint gives the settings to write with each chunk's calls.
func (e *Engine) run(ctx context.Context, src calls.Source, chunks []Chunk, p *Progress,
	keep func(vpbx.StatsRow) bool, checkpoint func(c Chunk, last bool, p Progress) []store.Checkpoint,
	report func(Progress)) error {
	seen := map[string]bool{}
	for i, c := range chunks {
		rows, err := e.fetchChunk(ctx, c)
		if err != nil {
			return err
		}
		batch := make([]store.MangoCall, 0, len(rows))
		for _, r := range rows {
			if keep != nil && !keep(r) {
				continue
			}
			mc, ok := mangocall.StatsRow(r, src)
			if !ok {
				e.log.Warn("a row of Mango's statistics has no entry id; ignored", "fields", len(r.Fields))
				continue
			}
			if e.cfg.Decide != nil && mc.Skip.Code != calls.CodeInternal {
				// The import rules come first: a call they skip is named
				// by its rule, not by its missing recording.
				if why := e.cfg.Decide(ctx, mc.NewCall); !why.IsZero() {
					mc.Skip = why
				}
			}
			if seen[mc.CallID] { // on the boundary of two chunks
				continue
			}
			seen[mc.CallID] = true
			batch = append(batch, mc)
		}
		last := i == len(chunks)-1
		imp, err := e.cfg.Store.ImportMango(ctx, batch, e.cfg.JoinWindow, func(imp store.Imported) []store.Checkpoint {
			q := *p
			q.SkippedBy = maps.Clone(p.SkippedBy) // q.add must not count into p's map
			q.add(len(batch), imp)
			return checkpoint(c, last, q)
		})
		if err != nil {
			return err
		}
		p.add(len(batch), imp)
		if last {
			p.Done = true
		}
		e.log.Info("Mango's statistics compared", "source", src, "from", c.From, "to", c.To, "found", len(batch),
			"new", imp.New, "known", imp.Known, "skipped", imp.Skipped, "chunk", p.ChunksDone, "of", p.Chunks)
		if len(imp.Rows) > 0 && e.cfg.OnStored != nil {
			e.cfg.OnStored(imp.Rows)
		}
		if report != nil {
			report(*p)
		}
	}
	return nil
}

func (p *Progress) add(found int, imp store.Imported) {
	p.ChunksDone++
	p.Found += found
	p.New += imp.New
	p.Known += imp.Known
	p.Skipped += imp.Skipped
	for code, n := range imp.SkippedBy {
		if p.SkippedBy == nil {
			p.SkippedBy = map[string]int{}
		}
		p.SkippedBy[code] += n
	}
}

// Reconcile runs one reconcile: the window goes from the end of the last
// stored window minus Overlap (the first run: FirstLook back) up to now;
// calls that ended less than Settle ago are left to the next run (their
// webhook may be on its way; the overlap brings them again).
func (e *Engine) Reconcile(ctx context.Context) Result {
	clk := e.cfg.Clock
	now := clk.Now()
	var ck reconcileCheckpoint
	found, err := e.cfg.Store.GetSetting(ctx, SettingReconcile, &ck)
	if err != nil {
		return Result{At: clk.Now(), Err: fmt.Errorf("reconcile: read the checkpoint: %w", err)}
	}
	from := now.Add(-e.cfg.FirstLook)
	if found && !ck.Until.IsZero() && ck.Until.Add(-e.cfg.Overlap).Before(now) {
		from = ck.Until.Add(-e.cfg.Overlap)
	}
	chunks := Chunks(from, now, e.cfg.MaxChunk)
	settled := now.Add(-max(e.cfg.Settle, 0))
	keep := func(r vpbx.StatsRow) bool {
		end := r.Finish
		if end.IsZero() {
			end = r.Start
		}
		return !end.After(settled)
	}
	p := Progress{From: from, To: now, Chunks: len(chunks)}
	err = e.run(ctx, calls.SourceReconcile, chunks, &p, keep, func(c Chunk, _ bool, _ Progress) []store.Checkpoint {
		return []store.Checkpoint{{Key: SettingReconcile, Value: reconcileCheckpoint{Until: c.To}}}
	}, nil)
	res := Result{At: clk.Now(), From: from, To: now, Found: p.Found, New: p.New, Known: p.Known, Skipped: p.Skipped, Err: err}
	if err != nil {
		e.log.Warn("reconcile with Mango failed", "err", err, "new_so_far", p.New)
	} else {
		e.log.Info("reconcile with Mango done", "from", from, "to", now, "found", p.Found, "new", p.New, "known", p.Known)
	}
	return res
}

// ErrEmptyPeriod: the period to backfill is empty (from is not before to,
// or it lies in the future).
var ErrEmptyPeriod = errors.New("backfill: the period is empty")

// Backfill stores the calls of [from, to) (to is cut at now) that the
// bridge does not have, as source "backfill", reporting progress after
// every chunk. A backfill of the same period that was interrupted (Ctrl-C,
// a crash) resumes after its last stored chunk. On error (or
// cancellation) the progress so far is returned with it; what was stored
// stays.
func (e *Engine) Backfill(ctx context.Context, from, to time.Time, report func(Progress)) (Progress, error) {
	asked := to
	if now := e.cfg.Clock.Now(); to.After(now) {
		to = now
	}
	if !from.Before(to) {
		return Progress{From: from, To: to}, ErrEmptyPeriod
	}
	all := Chunks(from, to, e.cfg.MaxChunk)
	p := Progress{From: from, To: to, Chunks: len(all)}
	start := from
	var job backfillJob
	found, err := e.cfg.Store.GetSetting(ctx, SettingBackfill, &job)
	if err != nil {
		return p, fmt.Errorf("backfill: read the checkpoint: %w", err)
	}
	if found && !job.Finished && job.From.Equal(from) && job.To.Equal(asked) && job.Done.After(from) && job.Done.Before(to) {
		start = job.Done
		p.ChunksDone = len(Chunks(from, start, e.cfg.MaxChunk))
		p.Found, p.New, p.Known, p.Skipped, p.Resumed = job.Found, job.New, job.Known, job.Skipped, true
		p.SkippedBy = job.SkippedBy
		e.log.Info("resuming an interrupted backfill", "from", from, "to", to, "done_until", start)
	}
	chunks := Chunks(start, to, e.cfg.MaxChunk)
	if report != nil {
		report(p)
	}
	err = e.run(ctx, calls.SourceBackfill, chunks, &p, nil, func(c Chunk, last bool, q Progress) []store.Checkpoint {
		return []store.Checkpoint{{Key: SettingBackfill, Value: backfillJob{From: from, To: asked, Done: c.To,
			Found: q.Found, New: q.New, Known: q.Known, Skipped: q.Skipped, SkippedBy: q.SkippedBy, Finished: last}}}
	}, report)
	return p, err
}
