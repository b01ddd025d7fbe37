package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
	"mangotqm/app/mapping"
)

// Worker is the outbox relay.
type Worker struct {
	cfg    Config
	log    *slog.Logger
	clock  clock.Clock // cfg.Clock
	pacer  *pacer
	hold   *hold
	pause  *gate
	sweep  *sweeper // nil: no sweep
	policy calls.Policy

	wake chan struct{}

	// handling: the calls this worker claimed and has not recorded yet
	// (the sweeper leaves them alone). sends: the goroutines of sends and
	// of late recordings, waited for at shutdown.
	handling rowSet
	sends    sync.WaitGroup
	sendCtx  context.Context
	cancel   context.CancelFunc
}

// New makes a worker; call Run to start it.
func New(cfg Config) *Worker {
	cfg = cfg.withDefaults()
	sendCtx, cancel := context.WithCancel(context.Background())
	w := &Worker{cfg: cfg, log: cfg.Logger, clock: cfg.Clock, wake: make(chan struct{}, 1),
		pacer: newPacer(cfg.Rate, cfg.Clock), hold: &hold{now: cfg.Clock.Now},
		policy:   calls.Policy{Schedule: cfg.Schedule, RateLimitWait: cfg.RateLimitWait},
		handling: rowSet{m: map[int64]bool{}}, sendCtx: sendCtx, cancel: cancel}
	w.pause = newGate(cfg, w.Wake)
	if cfg.Stuck != nil {
		w.sweep = &sweeper{stuck: cfg.Stuck, after: cfg.StuckAfter, clock: cfg.Clock, log: cfg.Logger,
			handling: w.handling.has, changed: w.notify, wake: w.Wake}
	}
	return w
}

// Wake tells the worker a call may be due now (a new webhook arrived).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// SetPaused pauses or resumes sending. Receiving is never paused. The
// caller persists the flag (store.SettingPaused); a pause set here counts
// as the user's.
func (w *Worker) SetPaused(p bool) { w.pause.pauseByUser(p) }

// Paused reports whether sending is paused.
func (w *Worker) Paused() bool { return w.pause.get().paused() }

// PausedReason says why sending is paused: store.PauseByKeyRejected (TQM
// answered 401/403; it resumes by itself once the key differs from the
// rejected one), store.PauseByUser, or "" when sending.
func (w *Worker) PausedReason() string { return w.pause.get().reason }

// Resume resumes sending whatever paused it: the saved pause is cleared
// (Config.Pauses, if any), the "key rejected" incident too, and OnResume
// is told. The window's button and `mangotqm resume` (through the saved
// pause, noticed within PauseCheckEvery) end up here.
func (w *Worker) Resume(ctx context.Context) error { return w.pause.resume(ctx) }

// Run claims and sends calls until ctx ends, then waits up to Drain for the
// sends in flight (cancelling them after that: they are recorded as
// "outcome unknown" and sent again on the next start).
func (w *Worker) Run(ctx context.Context) error {
	defer w.drain()
	w.pause.restore(ctx)
	var bg sync.WaitGroup
	bg.Go(func() { w.pause.watch(ctx, w.cfg.PauseCheckEvery) })
	if w.sweep != nil {
		bg.Go(func() { w.sweep.run(ctx, w.cfg.SweepEvery) })
	}
	defer bg.Wait()
	slots := make(chan struct{}, w.cfg.MaxInFlight)
	batch := claimBatch(w.cfg.Rate, w.cfg.MaxInFlight)
	q := &aheadQueue{w: w}
	defer q.handBack()
	for {
		if p, resumed := w.pause.waitC(); p {
			q.handBack()
			select {
			case <-ctx.Done():
				return nil
			case <-resumed:
				continue
			}
		}
		// TQM asked the whole sender to slow down.
		if d := w.hold.left(); d > 0 {
			q.handBack()
			if !w.sleep(ctx, d) {
				return nil
			}
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		q.collect(false)
		if len(q.calls) == 0 {
			if q.pending == nil {
				q.start(ctx, claimBatch(w.cfg.Rate, cap(slots)-len(slots)+1))
			}
			if err := q.collect(true); err != nil {
				<-slots
				if ctx.Err() != nil {
					return nil
				}
				w.log.Error("cannot read the outbox", "err", err)
				if !w.sleep(ctx, time.Second) {
					return nil
				}
				continue
			}
			if len(q.calls) == 0 {
				<-slots
				if !w.idle(ctx) {
					return nil
				}
				continue
			}
		}
		c := q.pop()
		// At a high rate the next calls are claimed in the background
		// while these go out: the claim's transaction never holds up the
		// rate. Never more than the free slots (a claimed call does not
		// wait for a slot), nor after a claim found nothing due.
		if free := cap(slots) - len(slots) - len(q.calls); batch > 1 && q.pending == nil && !q.drained &&
			len(q.calls) <= batch/2 && free > 0 {
			q.start(ctx, claimBatch(w.cfg.Rate, free))
		}
		// Smooth rate: request starts on an even grid of 1/Rate; no bursts.
		if !w.pacer.wait(ctx) {
			q.putBack(c)
			<-slots
			return nil
		}
		if w.Paused() || w.hold.left() > 0 { // changed while we waited
			q.putBack(c)
			<-slots
			continue
		}
		w.sends.Go(func() { w.process(c, func() { <-slots }) })
	}
}

// idle waits until the next call is due, a wake-up, or a minute (a safety
// net against missed wake-ups). It returns false when ctx ended.
func (w *Worker) idle(ctx context.Context) bool {
	wait := time.Minute
	if next, ok, err := w.cfg.Outbox.NextDue(ctx); err == nil && ok {
		if d := next.Sub(w.clock.Now()); d < wait {
			wait = d
		}
	}
	if wait <= 0 {
		wait = time.Millisecond
	}
	select {
	case <-ctx.Done():
		return false
	case <-w.wake:
	case <-w.clock.After(wait):
	}
	return true
}

func (w *Worker) drain() {
	done := make(chan struct{})
	go func() { w.sends.Wait(); close(done) }()
	select {
	case <-done:
	case <-w.clock.After(w.cfg.Drain):
		w.log.Warn("sends still in flight at shutdown; they will be retried on the next start", "waited", w.cfg.Drain)
		w.cancel()
		<-done
	}
	w.cancel()
}

// sleep waits d; false when ctx ended first.
func (w *Worker) sleep(ctx context.Context, d time.Duration) bool {
	return w.clock.Sleep(ctx, d) == nil
}

func (w *Worker) notify(row int64) {
	if w.cfg.OnCall != nil {
		w.cfg.OnCall(row)
	}
}

func (w *Worker) incident(kind string, open bool, msg string) {
	if w.cfg.OnIncident != nil {
		w.cfg.OnIncident(kind, open, msg)
	}
}

// process prepares, sends and records one claimed call; release frees its
// in-flight slot once the try is over.
func (w *Worker) process(c calls.Call, release func()) {
	ctx := w.sendCtx
	log := w.log.With("row", c.ID, "call_id", c.CallID, "attempt", c.Attempts)
	try := calls.Try{Call: c, Started: w.clock.Now()}
	prep, problem := w.prepare(ctx, c)
	for _, n := range prep.Notes {
		log.Info("mapping note", "note", n)
	}
	try.Request = prep.Request
	if !problem.IsZero() {
		release()
		log.Warn("call needs attention", "reason", problem.English())
		try.Unprepared, try.Result = true, calls.Result{Outcome: calls.OutcomeAttention, Reason: problem}
		w.conclude(ctx, log, try)
		return
	}
	try.TQMID = prep.TQMID
	sctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	res, err := w.cfg.Sender.Send(sctx, prep.Call, prep.Fields)
	timedOut := errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	release()
	if err != nil {
		res = w.noAnswer(res, err, timedOut)
	}
	try.Result = res
	w.conclude(ctx, log, try)
}

// prepare maps and validates a call with the mapping in effect.
func (w *Worker) prepare(ctx context.Context, c calls.Call) (mapping.Prepared, calls.Reason) {
	cfg, err := w.cfg.Mapping(ctx)
	if err != nil {
		return mapping.Prepared{Call: c}, calls.NewReason(calls.CodeMappingUnreadable, calls.ArgError, err.Error())
	}
	return mapping.Prepare(cfg, c, mapping.PrepareOptions{Now: w.clock.Now(),
		FileLinkRequired: w.cfg.FileLinkRequired != nil && w.cfg.FileLinkRequired()})
}

// noAnswer is what a send that got no answer came to: a retry, with the
// send's deadline named when it ran out, or an unknown outcome when a stop
// cut it short (TQM may have the call).
func (w *Worker) noAnswer(res calls.Result, err error, timedOut bool) calls.Result {
	res.Outcome, res.Reason = calls.OutcomeRetry, calls.ReasonFor(err, calls.CodeNoAnswer)
	switch {
	case timedOut:
		res.Reason = calls.NewReason(calls.CodeTimeout, "timeout"+calls.DurSuffix, w.cfg.SendTimeout.String(),
			calls.ArgError, err.Error())
	case errors.Is(err, context.Canceled):
		res.Outcome = calls.OutcomeUnknown
	}
	return res
}

// conclude works out what the try does to its call (calls.Next), carries
// out what that asks of the whole worker (pause, hold, incidents), and
// records it.
func (w *Worker) conclude(ctx context.Context, log *slog.Logger, t calls.Try) {
	st, err := calls.Next(t, w.policy, w.clock.Now())
	if err != nil {
		// Never expected: the call stays "sending" and the sweeper
		// re-queues it.
		log.Error("cannot tell what the try came to; the call is sent again later", "err", err)
		w.handling.remove(t.Call.ID)
		return
	}
	r := t.Result
	if st.Hold > 0 {
		why := fmt.Sprintf("HTTP %d with Retry-After", r.HTTPStatus)
		if r.HTTPStatus == http.StatusTooManyRequests {
			why = "HTTP 429"
		}
		if until, later := w.hold.extend(st.Hold); later {
			w.log.Warn("TQM asked to slow down; no request goes out until then", "why", why, "until", until, "wait", st.Hold)
		}
	}
	switch {
	case st.Status == calls.StatusDelivered:
		log.Info("call delivered to TQM", "correlation_id", r.CorrelationID, "duration_ms", r.Duration.Milliseconds())
		w.incident(IncidentKeyRejected, false, "")
	case r.Outcome == calls.OutcomePaused:
		log.Error("TQM rejected the access key; pausing delivery until the key is changed (or: mangotqm resume)",
			"http_status", r.HTTPStatus, "correlation_id", r.CorrelationID)
		fp := r.KeyFingerprint
		if fp == "" && w.cfg.KeyFingerprint != nil {
			fp, _ = w.cfg.KeyFingerprint(ctx)
		}
		w.pause.keyRejected(ctx, fp, r.HTTPStatus)
		w.incident(IncidentKeyRejected, true, st.LastError.English())
	case r.Outcome == calls.OutcomeWaiting:
		log.Info("call waits", "reason", st.LastError.English(), "next_attempt", st.NextAttempt)
	case st.Status == calls.StatusSkipped:
		log.Info("call skipped", "reason", st.Reason.English())
	case r.Outcome == calls.OutcomeRejected:
		log.Warn("TQM refused the call", "http_status", r.HTTPStatus, "correlation_id", r.CorrelationID, "response", r.Response)
	case st.Status == calls.StatusAttention:
		if !t.Unprepared { // an unprepared call was logged when found
			log.Warn("call needs attention; it was not sent", "reason", st.Reason.English())
		}
	case st.Status == calls.StatusFailed:
		log.Error("call failed for good; it can be resent", "err", st.LastError.English())
		w.incident(IncidentCallFailed, true, st.Reason.English())
	case !st.Counted: // a 429
		log.Warn("TQM rate-limited the call; it waits without using up a try", "retry_after", st.Hold, "next_attempt", st.NextAttempt)
	default:
		log.Warn("try failed; will retry", "err", st.LastError.English(), "http_status", r.HTTPStatus,
			"next_attempt", st.NextAttempt)
	}
	w.finish(ctx, t.Call.ID, st)
}

// finish records a try. When that fails (disk full, a locked or vanished
// file), it keeps trying in the background with a growing pause until it
// works or the worker stops: the call must not stay "sending". Meanwhile
// the call counts as handled (the sweeper leaves it alone).
func (w *Worker) finish(ctx context.Context, row int64, st calls.Step) {
	err := w.record(ctx, row, st)
	if err == nil {
		return
	}
	if ctx.Err() != nil {
		w.handling.remove(row)
		w.log.Error("cannot record the delivery result; the call is re-queued on the next start", "row", row, "err", err)
		return
	}
	w.log.Error("cannot record the delivery result; trying again", "row", row, "err", err)
	w.sends.Go(func() {
		wait := 500 * time.Millisecond
		for {
			if !w.sleep(ctx, wait) {
				w.handling.remove(row)
				w.log.Error("the delivery result was never recorded; the call is re-queued on the next start", "row", row)
				return
			}
			err := w.record(ctx, row, st)
			if err == nil {
				w.log.Info("delivery result recorded after all", "row", row)
				return
			}
			if errors.Is(err, calls.ErrNotFound) {
				w.handling.remove(row)
				return
			}
			wait = min(wait*2, 30*time.Second)
		}
	})
}

// record writes a try's step; on success the call is no longer handled.
func (w *Worker) record(ctx context.Context, row int64, st calls.Step) error {
	if ctx.Err() != nil {
		// Shutting down: record the outcome anyway, briefly.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
	}
	if err := w.cfg.Outbox.Finish(ctx, row, st); err != nil {
		return err
	}
	w.handling.remove(row)
	w.notify(row)
	w.Wake() // the worker may have gone idle while this call was in flight
	return nil
}

// rowSet is a set of call rows, safe for concurrent use.
type rowSet struct {
	mu sync.Mutex
	m  map[int64]bool
}

func (s *rowSet) add(row int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[row] = true
}

func (s *rowSet) remove(row int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, row)
}

func (s *rowSet) has(row int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[row]
}
