package reconcile

import (
	"context"
	"fmt"
	"time"

	"mangotqm/app/calls"
	"mangotqm/store"
)

// The poll road (no way in: no webhook ever arrives) runs the same engine
// every minute or so over a short window, with no settle time: nothing is
// on its way by webhook, so a call is taken as soon as Mango's statistics
// have it. Mango's spacing, 204 polling and the lockout guard are the
// engine's, as for any reconcile.
const (
	// PollOverlap: each poll looks this far behind the end of the last one
	// (Mango may list a call a little after it ended).
	PollOverlap = 10 * time.Minute
	// PollLongLook: now and then a poll looks this far back, so that a
	// call longer than PollOverlap (Mango files it by its start) is found.
	PollLongLook = 3 * time.Hour
	// PollLongEvery: how often a poll takes the long look.
	PollLongEvery = 30 * time.Minute
)

// Poll runs one poll of the poll road: the window goes from the end of the
// last stored window minus PollOverlap (PollLongLook back at the first
// poll and every PollLongEvery) up to now, with no settle time. It shares
// the reconcile checkpoint, so switching between roads neither repeats
// nor skips a period.
func (e *Engine) Poll(ctx context.Context) Result {
	clk := e.cfg.Clock
	now := clk.Now()
	var ck reconcileCheckpoint
	found, err := e.cfg.Store.GetSetting(ctx, SettingReconcile, &ck)
	if err != nil {
		return Result{At: clk.Now(), Err: fmt.Errorf("poll: read the checkpoint: %w", err)}
	}
	from := now.Add(-PollLongLook)
	e.pollMu.Lock()
	long := e.lastLongLook.IsZero() || now.Sub(e.lastLongLook) >= PollLongEvery
	e.pollMu.Unlock()
	if !long && found && !ck.Until.IsZero() && ck.Until.Add(-PollOverlap).Before(now) {
		from = ck.Until.Add(-PollOverlap)
	}
	chunks := Chunks(from, now, e.cfg.MaxChunk)
	p := Progress{From: from, To: now, Chunks: len(chunks)}
	err = e.run(ctx, calls.SourceReconcile, chunks, &p, nil, func(c Chunk, _ bool, _ Progress) []store.Checkpoint {
		return []store.Checkpoint{{Key: SettingReconcile, Value: reconcileCheckpoint{Until: c.To}}}
	}, nil)
	if err == nil && long {
		e.pollMu.Lock()
		e.lastLongLook = now
		e.pollMu.Unlock()
	}
	res := Result{At: clk.Now(), From: from, To: now, Found: p.Found, New: p.New, Known: p.Known, Skipped: p.Skipped, Err: err}
	if err != nil {
		e.log.Warn("poll of Mango's statistics failed", "err", err, "new_so_far", p.New)
	} else {
		e.log.Info("poll of Mango's statistics done", "from", from, "to", now, "found", p.Found, "new", p.New, "known", p.Known)
	}
	return res
}

// Check fetches Mango's statistics for [from, to] once, keeping the
// spacing and lockout rules, and stores nothing: the live check of the
// poll road (one signed stats request). It returns the rows found.
func (e *Engine) Check(ctx context.Context, from, to time.Time) (int, error) {
	rows, err := e.fetchChunk(ctx, Chunk{From: from, To: to})
	return len(rows), err
}
