package delivery

import (
	"context"
	"math"
	"time"

	"mangotqm/app/calls"
	"mangotqm/store"
)

// ClaimAhead is how much sending one claim covers: at a high rate the
// worker claims the calls of the next ClaimAhead in one transaction (at
// 200/s, 20 at a time) instead of one transaction per call, and claims the
// next batch in the background while one goes out, so that the claim's own
// time never holds up the rate (one claim per call, in line, capped
// delivery at 83 % of 200/s while webhooks poured in). At the default 5/s
// it claims one call at a time, just before sending it. Calls claimed ahead
// and not sent (a pause, a 429, a stop) are handed back untried.
const ClaimAhead = 100 * time.Millisecond

// claimBatch is how many calls one claim takes at rate perSecond with free
// in-flight slots.
func claimBatch(perSecond float64, free int) int {
	n := int(math.Ceil(perSecond * ClaimAhead.Seconds()))
	return max(1, min(n, free))
}

// aheadQueue holds the calls claimed ahead of sending (earliest first) and
// at most one claim under way in the background. Only Run uses it.
type aheadQueue struct {
	w       *Worker
	calls   []calls.Call
	pending chan claimResult // the claim under way; nil if none
	drained bool             // the last claim found nothing due
}

type claimResult struct {
	cs  []calls.Call
	err error
}

// start claims up to n calls in the background.
func (q *aheadQueue) start(ctx context.Context, n int) {
	ch := make(chan claimResult, 1)
	q.pending = ch
	go func() {
		cs, err := q.w.cfg.claim(ctx, n)
		ch <- claimResult{cs, err}
	}()
}

// claim claims up to n due calls, less those the join step took as late
// copies (claiming again while it took every one).
func (cfg Config) claim(ctx context.Context, n int) ([]calls.Call, error) {
	if cfg.Join == nil {
		return cfg.Outbox.ClaimN(ctx, n)
	}
	return store.ClaimExcept(ctx, n, cfg.Outbox.ClaimN, cfg.Join)
}

// collect adds the calls of the claim under way, if any: waiting for it
// when wait, else only if it is done. It returns the claim's error.
func (q *aheadQueue) collect(wait bool) error {
	if q.pending == nil {
		return nil
	}
	var r claimResult
	if wait {
		r = <-q.pending
	} else {
		select {
		case r = <-q.pending:
		default:
			return nil
		}
	}
	q.pending = nil
	q.drained = r.err == nil && len(r.cs) == 0
	for _, c := range r.cs {
		q.w.handling.add(c.ID)
		q.w.notify(c.ID)
	}
	q.calls = append(q.calls, r.cs...)
	return r.err
}

// pop takes the earliest call claimed ahead.
func (q *aheadQueue) pop() calls.Call {
	c := q.calls[0]
	q.calls = q.calls[1:]
	return c
}

// putBack returns a call taken but not sent to the front.
func (q *aheadQueue) putBack(c calls.Call) {
	q.calls = append([]calls.Call{c}, q.calls...)
}

// handBack waits for the claim under way and hands every call claimed
// ahead back to the outbox, untried.
func (q *aheadQueue) handBack() {
	_ = q.collect(true)
	if len(q.calls) == 0 {
		return
	}
	rows := make([]int64, len(q.calls))
	for i, c := range q.calls {
		rows[i] = c.ID
	}
	q.calls = nil
	// Also at shutdown: briefly, whatever ctx the loop had.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.w.cfg.Outbox.Unclaim(ctx, rows); err != nil {
		// They stay "sending": the sweeper (or the next start) re-queues them.
		q.w.log.Error("cannot hand back calls claimed ahead; they are re-queued later", "rows", len(rows), "err", err)
	}
	for _, id := range rows {
		q.w.handling.remove(id)
		q.w.notify(id)
	}
}
