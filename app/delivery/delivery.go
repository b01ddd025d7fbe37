// Package delivery drains the calls outbox into TQM: it claims due calls,
// maps and validates them, sends them at a smooth rate, and records every
// try. A call is never dropped: a TQM outage means "retrying", a 429 slows
// the whole sender down (Retry-After is honoured, the try is not counted),
// a rejected key pauses sending until the key changes, a call TQM refuses
// needs the user's attention.
//
// What the bridge wires (see Config): Outbox (the store: it also persists
// the pause and re-queues stuck calls when it implements PauseStore and
// StuckSweeper), Sender (its KeyFingerprint, if any, lets a paused worker
// notice a corrected key), OnPause/OnResume/OnIncident for the window, and
// Resume for the window's button and `mangotqm resume`.
package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
	"mangotqm/app/mango"
	"mangotqm/app/mapping"
	"mangotqm/store"
)

// Class is how a TQM answer is treated.
type Class int

const (
	Accepted     Class = iota // HTTP 200: the call is in TQM
	Retry                     // 5xx, 429, timeout, no connection: try again later
	AuthRejected              // 401/403: our key is wrong; pause everything
	Rejected                  // other answers: TQM refuses this call as sent
	// Wait: nothing was sent yet because something the call needs is not
	// ready (a recording that appears minutes after the call); try again
	// after RetryAfter without using up one of the call's tries.
	Wait
	// Skip: the call is deliberately not sent (e.g. no recording exists);
	// Body says why.
	Skip
	// Attention: nothing was sent; the call cannot be sent as it is (no
	// usable recording, say) and needs the user. Body and Reason say why.
	Attention
)

// SendResult is what one request to TQM gave.
type SendResult struct {
	Class         Class
	HTTPStatus    int
	CorrelationID string
	Body          string // excerpt of TQM's answer, or why Wait/Skip (English)
	// Reason: for Wait, Skip, and a Rejected without an HTTP answer (not
	// sent), why, as a code (Body is then its English text).
	Reason   calls.Reason
	Duration time.Duration
	// RetryAfter: for Wait, when to look again; for Retry, the wait TQM
	// asked for (Retry-After of a 429 or 503), 0 if none.
	RetryAfter time.Duration
	// KeyFingerprint: for AuthRejected, the fingerprint of the key TQM
	// rejected (tqm.Fingerprint); "" if unknown.
	KeyFingerprint string
}

// Sender sends one mapped call to TQM. err describes a failure without an
// HTTP answer (Class is then Retry) and never contains a secret.
type Sender interface {
	Send(ctx context.Context, call calls.Call, fields []mapping.Field) (SendResult, error)
}

// Outbox is the part of the store the worker uses.
type Outbox interface {
	// ClaimN claims up to n due calls, earliest first (marked sending, the
	// try counted, committed); none when nothing is due.
	ClaimN(ctx context.Context, n int) ([]calls.Call, error)
	// Unclaim hands back claimed calls that were not tried.
	Unclaim(ctx context.Context, rows []int64) error
	Finish(ctx context.Context, row int64, a calls.Attempt, u store.Update) error
	NextDue(ctx context.Context) (time.Time, bool, error)
}

// PauseStore keeps the pause across restarts (*store.Store). When
// Config.Pauses is nil and the Outbox implements it, the Outbox is used.
type PauseStore interface {
	LoadPause(ctx context.Context) (store.Pause, error)
	SavePause(ctx context.Context, p store.Pause) error
}

// StuckSweeper re-queues calls left "sending" (*store.Store); used when the
// Outbox implements it.
type StuckSweeper interface {
	RequeueStuck(ctx context.Context, before time.Time, skip func(row int64) bool) ([]int64, error)
}

// KeyFingerprinter reads the fingerprint of the TQM key that would be sent
// now (*tqm.Client, recordings.Sender). Used when the Sender implements it
// and Config.KeyFingerprint is nil.
type KeyFingerprinter interface {
	KeyFingerprint(ctx context.Context) (string, error)
}

// Incident kinds raised by delivery.
const (
	IncidentKeyRejected = "tqm_key_rejected"
	IncidentCallFailed  = "call_failed"
)

// SvixSchedule is the wait after each failed try (the first try is
// immediate): the same patience as Svix — 8 tries over about 27.6 hours.
var SvixSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Config of a Worker.
type Config struct {
	Outbox   Outbox
	Sender   Sender
	Mapping  func(ctx context.Context) (mapping.Config, error)
	Schedule []time.Duration // waits after failed tries; default SvixSchedule
	Rate     float64         // requests per second, evenly spaced; default 5
	// MaxInFlight bounds concurrent requests; default InFlightFor(Rate),
	// enough for the rate to be reached while TQM answers within a second.
	MaxInFlight int
	// SendTimeout is the deadline of one Send (recording download and
	// upload included); default DefaultSendTimeout. A send past it is
	// abandoned and the call retried.
	SendTimeout time.Duration
	// RateLimitWait is how long the whole sender holds back after a 429
	// without Retry-After; default 30 s.
	RateLimitWait time.Duration
	// Pauses persists the pause; default: the Outbox, if it is a PauseStore.
	Pauses PauseStore
	// KeyFingerprint reads the current TQM key's fingerprint; default: the
	// Sender's, if it is a KeyFingerprinter.
	KeyFingerprint func(ctx context.Context) (string, error)
	// PauseCheckEvery: while paused, how often the saved pause and the key
	// are looked at again; default 5 s.
	PauseCheckEvery time.Duration
	// SweepEvery: how often calls stuck "sending" for more than StuckAfter
	// (default store.SendingStaleAfter) are re-queued; default 1 min.
	SweepEvery time.Duration
	StuckAfter time.Duration
	// FileLinkRequired says, at each try, whether calls are sent by link
	// (fileLink must be present); nil = never.
	FileLinkRequired func() bool
	// Drain is how long Stop waits for in-flight sends; default 10 s.
	Drain  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
	// OnCall is told after a call's state changed.
	OnCall func(row int64)
	// OnIncident is told when an incident must open (or clear).
	OnIncident func(kind string, open bool, message string)
	// OnPause is told when delivery pauses itself (TQM rejected the key).
	OnPause func()
	// OnResume is told when delivery resumes by itself (the key changed, or
	// the saved pause was cleared by `mangotqm resume`) or through Resume.
	OnResume func()
}

// DefaultSendTimeout is the default Config.SendTimeout.
const DefaultSendTimeout = 5 * time.Minute

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

// InFlightFor is the default number of concurrent sends for a rate: the
// rate times one second (a TQM answering within a second does not slow
// delivery below the rate), at least 4 and at most 128.
func InFlightFor(perSecond float64) int {
	return int(min(max(math.Ceil(perSecond), 4), 128))
}

// Worker is the outbox relay.
type Worker struct {
	cfg     Config
	log     *slog.Logger
	pacer   *pacer
	sweeper StuckSweeper

	wake chan struct{}

	mu         sync.Mutex
	paused     bool
	reason     string // store.PauseByUser, store.PauseByKeyRejected
	rejectedFP string // fingerprint of the rejected key
	since      time.Time
	status     int  // HTTP status of the rejection
	persisted  bool // the pause is in the PauseStore
	resume     chan struct{}
	holdUntil  time.Time // global back-off (429/503 with Retry-After)
	inFlight   map[int64]bool

	inflight sync.WaitGroup
	sendCtx  context.Context
	cancel   context.CancelFunc
}

// New makes a worker; call Run to start it.
func New(cfg Config) *Worker {
	if cfg.Schedule == nil {
		cfg.Schedule = SvixSchedule
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = InFlightFor(cfg.Rate)
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if cfg.RateLimitWait <= 0 {
		cfg.RateLimitWait = 30 * time.Second
	}
	if cfg.PauseCheckEvery <= 0 {
		cfg.PauseCheckEvery = 5 * time.Second
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	if cfg.StuckAfter <= 0 {
		cfg.StuckAfter = store.SendingStaleAfter
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Pauses == nil {
		if ps, ok := cfg.Outbox.(PauseStore); ok {
			cfg.Pauses = ps
		}
	}
	if cfg.KeyFingerprint == nil {
		if kf, ok := cfg.Sender.(KeyFingerprinter); ok {
			cfg.KeyFingerprint = kf.KeyFingerprint
		}
	}
	sweeper, _ := cfg.Outbox.(StuckSweeper)
	sendCtx, cancel := context.WithCancel(context.Background())
	return &Worker{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1),
		pacer: newPacer(cfg.Rate), sweeper: sweeper,
		resume: make(chan struct{}), inFlight: map[int64]bool{}, sendCtx: sendCtx, cancel: cancel}
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
func (w *Worker) SetPaused(p bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p {
		if !w.paused {
			w.reason, w.rejectedFP, w.since, w.status = store.PauseByUser, "", w.cfg.Now(), 0
		}
		w.paused = true
		return
	}
	w.unpauseLocked()
}

func (w *Worker) unpauseLocked() {
	if !w.paused {
		return
	}
	w.paused, w.reason, w.rejectedFP, w.persisted = false, "", "", false
	close(w.resume)
	w.resume = make(chan struct{})
}

// Paused reports whether sending is paused.
func (w *Worker) Paused() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.paused
}

// PausedReason says why sending is paused: store.PauseByKeyRejected (TQM
// answered 401/403; it resumes by itself once the key differs from the
// rejected one), store.PauseByUser, or "" when sending.
func (w *Worker) PausedReason() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.paused {
		return ""
	}
	return w.reason
}

// Resume resumes sending whatever paused it: the saved pause is cleared
// (the PauseStore, if any), the "key rejected" incident too, and OnResume
// is told. The window's button and `mangotqm resume` (through the saved
// pause, noticed within PauseCheckEvery) end up here.
func (w *Worker) Resume(ctx context.Context) error {
	if w.cfg.Pauses != nil {
		if err := w.cfg.Pauses.SavePause(ctx, store.Pause{}); err != nil {
			return fmt.Errorf("save that delivery resumed: %w", err)
		}
	}
	w.resumed("delivery resumed")
	return nil
}

// resumed clears the pause in memory and tells everyone.
func (w *Worker) resumed(why string, attrs ...any) {
	w.mu.Lock()
	was := w.paused
	w.unpauseLocked()
	w.mu.Unlock()
	if !was {
		return
	}
	w.log.Info(why, attrs...)
	w.incident(IncidentKeyRejected, false, "")
	if w.cfg.OnResume != nil {
		w.cfg.OnResume()
	}
	w.Wake()
}

func (w *Worker) pausedCh() (bool, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.paused, w.resume
}

// Run claims and sends calls until ctx ends, then waits up to Drain for the
// sends in flight (cancelling them after that: they are recorded as
// "outcome unknown" and sent again on the next start).
func (w *Worker) Run(ctx context.Context) error {
	defer w.drain()
	w.startup(ctx)
	var bg sync.WaitGroup
	bg.Add(1)
	go func() { defer bg.Done(); w.background(ctx) }()
	defer bg.Wait()
	slots := make(chan struct{}, w.cfg.MaxInFlight)
	batch := claimBatch(w.cfg.Rate, w.cfg.MaxInFlight)
	q := &aheadQueue{w: w}
	defer q.handBack()
	for {
		if p, resumed := w.pausedCh(); p {
			q.handBack()
			select {
			case <-ctx.Done():
				return nil
			case <-resumed:
				continue
			}
		}
		// TQM asked the whole sender to slow down.
		if d := w.hold(); d > 0 {
			q.handBack()
			if !sleep(ctx, d) {
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
				if !sleep(ctx, time.Second) {
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
		c := q.calls[0]
		q.calls = q.calls[1:]
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
			q.calls = append([]calls.Call{c}, q.calls...)
			<-slots
			return nil
		}
		if w.Paused() || w.hold() > 0 { // changed while we waited
			q.calls = append([]calls.Call{c}, q.calls...)
			<-slots
			continue
		}
		w.inflight.Add(1)
		go func() {
			defer w.inflight.Done()
			w.process(c, func() { <-slots })
		}()
	}
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
		cs, err := q.w.cfg.Outbox.ClaimN(ctx, n)
		ch <- claimResult{cs, err}
	}()
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
		q.w.setInFlight(c.ID, true)
		q.w.notify(c.ID)
	}
	q.calls = append(q.calls, r.cs...)
	return r.err
}

// handBack waits for the claim under way and hands every call claimed
// ahead back to the outbox, untried.
func (q *aheadQueue) handBack() {
	_ = q.collect(true)
	q.calls = q.w.unclaim(q.calls)
}

// unclaim hands calls claimed ahead back to the outbox, untried, and
// returns the empty list.
func (w *Worker) unclaim(ahead []calls.Call) []calls.Call {
	if len(ahead) == 0 {
		return nil
	}
	rows := make([]int64, len(ahead))
	for i, c := range ahead {
		rows[i] = c.ID
	}
	// Also at shutdown: briefly, whatever ctx the loop had.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.cfg.Outbox.Unclaim(ctx, rows); err != nil {
		// They stay "sending": the sweeper (or the next start) re-queues them.
		w.log.Error("cannot hand back calls claimed ahead; they are re-queued later", "rows", len(rows), "err", err)
	}
	for _, id := range rows {
		w.setInFlight(id, false)
		w.notify(id)
	}
	return nil
}

func (w *Worker) hold() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.holdUntil.Sub(w.cfg.Now())
}

// holdOff makes the whole sender wait d (a later end wins).
func (w *Worker) holdOff(d time.Duration, why string) {
	until := w.cfg.Now().Add(d)
	w.mu.Lock()
	later := until.After(w.holdUntil)
	if later {
		w.holdUntil = until
	}
	w.mu.Unlock()
	if later {
		w.log.Warn("TQM asked to slow down; no request goes out until then", "why", why, "until", until, "wait", d)
	}
}

func (w *Worker) setInFlight(row int64, on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if on {
		w.inFlight[row] = true
	} else {
		delete(w.inFlight, row)
	}
}

func (w *Worker) isInFlight(row int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inFlight[row]
}

// startup reads the saved pause and says at once whether sending is
// paused and why.
func (w *Worker) startup(ctx context.Context) {
	if w.cfg.Pauses != nil {
		p, err := w.cfg.Pauses.LoadPause(ctx)
		if err != nil {
			w.log.Warn("cannot read the saved delivery pause", "err", err)
		} else if p.Paused {
			w.mu.Lock()
			if !w.paused {
				w.paused = true
			}
			w.reason, w.rejectedFP, w.since, w.status, w.persisted = p.Reason, p.KeyFingerprint, p.Since, p.HTTPStatus, true
			w.mu.Unlock()
		}
	}
	w.mu.Lock()
	paused, reason, since := w.paused, w.reason, w.since
	w.mu.Unlock()
	if !paused {
		return
	}
	switch reason {
	case store.PauseByKeyRejected:
		if w.cfg.KeyFingerprint == nil {
			// The key cannot be compared with the rejected one: try once;
			// a key still wrong pauses again at the first answer.
			w.resumed("delivery was paused because TQM rejected the access key; the key cannot be compared here, so one call is sent to check it",
				"paused_since", since)
			return
		}
		w.log.Warn("delivery is paused: TQM rejected the access key; it resumes by itself once the key is changed (or run: mangotqm resume)",
			"paused_since", since)
		w.checkPause(ctx)
	default:
		w.log.Warn("delivery is paused (by the user); webhooks are still received and stored", "paused_since", since)
	}
}

// background re-checks a pause and sweeps stuck calls until ctx ends.
func (w *Worker) background(ctx context.Context) {
	pause := time.NewTicker(w.cfg.PauseCheckEvery)
	defer pause.Stop()
	sweep := time.NewTicker(w.cfg.SweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-pause.C:
			if w.Paused() {
				w.checkPause(ctx)
			}
		case <-sweep.C:
			w.sweep(ctx)
		}
	}
}

// checkPause resumes a paused worker whose saved pause was cleared
// elsewhere (mangotqm resume), or whose rejected key has been replaced.
func (w *Worker) checkPause(ctx context.Context) {
	w.mu.Lock()
	reason, rejected, persisted := w.reason, w.rejectedFP, w.persisted
	w.mu.Unlock()
	if w.cfg.Pauses != nil && persisted {
		p, err := w.cfg.Pauses.LoadPause(ctx)
		if err == nil && !p.Paused {
			w.resumed("the saved pause was cleared (mangotqm resume); delivery resumed")
			return
		}
	}
	if reason != store.PauseByKeyRejected || w.cfg.KeyFingerprint == nil {
		return
	}
	fp, err := w.cfg.KeyFingerprint(ctx)
	if err != nil || fp == rejected {
		return
	}
	if w.cfg.Pauses != nil {
		if err := w.cfg.Pauses.SavePause(ctx, store.Pause{}); err != nil {
			w.log.Error("the TQM key was changed, but resuming cannot be saved; staying paused", "err", err)
			return
		}
	}
	w.resumed("the TQM access key was changed since TQM rejected it; delivery resumed")
}

// pauseForKey pauses sending after TQM rejected the key fp.
func (w *Worker) pauseForKey(ctx context.Context, fp string, status int) {
	w.mu.Lock()
	same := w.paused && w.reason == store.PauseByKeyRejected && w.rejectedFP == fp
	if !w.paused {
		w.since = w.cfg.Now()
	}
	w.paused, w.reason, w.rejectedFP, w.status = true, store.PauseByKeyRejected, fp, status
	since := w.since
	w.mu.Unlock()
	if same {
		return
	}
	if w.cfg.OnPause != nil {
		w.cfg.OnPause() // first: the saved reason must be newer than the flag OnPause may write
	}
	if w.cfg.Pauses != nil {
		err := w.cfg.Pauses.SavePause(ctx, store.Pause{Paused: true, Reason: store.PauseByKeyRejected,
			KeyFingerprint: fp, Since: since.UTC(), HTTPStatus: status})
		if err != nil {
			w.log.Error("cannot save the delivery pause; it holds until the app stops", "err", err)
		} else {
			w.mu.Lock()
			w.persisted = true
			w.mu.Unlock()
		}
	}
}

// sweep re-queues calls stuck "sending" (an outcome that could not be
// recorded), leaving the ones this worker still handles.
func (w *Worker) sweep(ctx context.Context) {
	if w.sweeper == nil {
		return
	}
	ids, err := w.sweeper.RequeueStuck(ctx, w.cfg.Now().Add(-w.cfg.StuckAfter), w.isInFlight)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("cannot look for calls stuck in sending", "err", err)
		}
		return
	}
	for _, id := range ids {
		w.log.Warn("call was stuck in sending (its outcome could not be recorded): sending it again; TQM may receive it twice",
			"row", id, "stuck_for_more_than", w.cfg.StuckAfter)
		w.notify(id)
	}
	if len(ids) > 0 {
		w.Wake()
	}
}

// idle waits until the next call is due, a wake-up, or a minute (a safety
// net against missed wake-ups). It returns false when ctx ended.
func (w *Worker) idle(ctx context.Context) bool {
	wait := time.Minute
	if next, ok, err := w.cfg.Outbox.NextDue(ctx); err == nil && ok {
		if d := next.Sub(w.cfg.Now()); d < wait {
			wait = d
		}
	}
	if wait <= 0 {
		wait = time.Millisecond
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-w.wake:
	case <-t.C:
	}
	return true
}

func (w *Worker) drain() {
	done := make(chan struct{})
	go func() { w.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.cfg.Drain):
		w.log.Warn("sends still in flight at shutdown; they will be retried on the next start", "waited", w.cfg.Drain)
		w.cancel()
		<-done
	}
	w.cancel()
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool { return clock.Sleep(ctx, d) == nil }

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

// process maps, validates, sends and records one claimed call; release
// frees its in-flight slot once the try is over.
func (w *Worker) process(c calls.Call, release func()) {
	ctx := w.sendCtx
	started := w.cfg.Now()
	log := w.log.With("row", c.ID, "call_id", c.CallID, "attempt", c.Attempts)
	c = w.reparse(c)

	fields, request, problem := w.prepare(ctx, c)
	if !problem.IsZero() {
		release()
		log.Warn("call needs attention", "reason", problem.English())
		w.finish(ctx, c, calls.Attempt{Started: started, Outcome: calls.OutcomeAttention, ErrorCoded: problem},
			store.Update{Status: calls.StatusAttention, Reason: problem, Request: request, LastError: problem, Uncount: true})
		return
	}
	tqmID := ""
	for _, f := range fields {
		if f.Name == mapping.FieldID {
			tqmID = f.Value
		}
	}

	sctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	res, err := w.cfg.Sender.Send(sctx, c, fields)
	timedOut := errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	release()
	a := calls.Attempt{Started: started, Duration: res.Duration, HTTPStatus: res.HTTPStatus,
		Response: res.Body, CorrelationID: res.CorrelationID}
	u := store.Update{Request: request, TQMID: tqmID, CorrelationID: res.CorrelationID}
	if err != nil {
		a.Error = err.Error()
		a.ErrorCoded = calls.ReasonFor(err, calls.CodeNoAnswer)
	}
	if timedOut && err != nil {
		a.ErrorCoded = calls.NewReason(calls.CodeTimeout, "timeout"+calls.DurSuffix, w.cfg.SendTimeout.String(),
			calls.ArgError, err.Error())
		a.Error = a.ErrorCoded.English()
	}
	switch {
	case err == nil && res.Class == Accepted:
		a.Outcome = calls.OutcomeDelivered
		u.Status, u.Delivered = calls.StatusDelivered, w.cfg.Now()
		log.Info("call delivered to TQM", "correlation_id", res.CorrelationID, "duration_ms", res.Duration.Milliseconds())
		w.incident(IncidentKeyRejected, false, "")
	case err == nil && res.Class == AuthRejected:
		a.Outcome = calls.OutcomePaused
		why := calls.NewReason(calls.CodeKeyRejected, "status", strconv.Itoa(res.HTTPStatus))
		msg := why.English()
		u.Status, u.NextAttempt, u.LastError, u.Uncount = calls.StatusQueued, w.cfg.Now(), why, true
		log.Error("TQM rejected the access key; pausing delivery until the key is changed (or: mangotqm resume)",
			"http_status", res.HTTPStatus, "correlation_id", res.CorrelationID)
		fp := res.KeyFingerprint
		if fp == "" && w.cfg.KeyFingerprint != nil {
			fp, _ = w.cfg.KeyFingerprint(ctx)
		}
		w.pauseForKey(ctx, fp, res.HTTPStatus)
		w.incident(IncidentKeyRejected, true, msg)
	case err == nil && res.Class == Wait:
		a.Outcome = calls.OutcomeWaiting
		why := resultReason(res)
		a.Error, a.ErrorCoded = res.Body, why
		u.Status, u.NextAttempt, u.LastError, u.Uncount = calls.StatusRetrying, w.cfg.Now().Add(res.RetryAfter), why, true
		log.Info("call waits", "reason", res.Body, "next_attempt", u.NextAttempt)
	case err == nil && res.Class == Skip:
		a.Outcome = calls.OutcomeSkipped
		why := resultReason(res)
		a.Error, a.ErrorCoded = res.Body, why
		u.Status, u.Reason = calls.StatusSkipped, why
		log.Info("call skipped", "reason", res.Body)
	case err == nil && res.Class == Attention:
		a.Outcome = calls.OutcomeAttention
		why := resultReason(res)
		a.ErrorCoded = why
		log.Warn("call needs attention; it was not sent", "reason", res.Body)
		u.Status, u.Reason, u.LastError = calls.StatusAttention, why, why
	case err == nil && res.Class == Rejected:
		a.Outcome = calls.OutcomeRejected
		why := calls.NewReason(calls.CodeRefused, "status", strconv.Itoa(res.HTTPStatus), calls.ArgBody, res.Body)
		log.Warn("TQM refused the call", "http_status", res.HTTPStatus, "correlation_id", res.CorrelationID, "response", res.Body)
		u.Status, u.Reason, u.LastError = calls.StatusAttention, why, why
	case res.HTTPStatus == http.StatusTooManyRequests:
		// Rate limited: not the call's fault, not one of its tries; the
		// whole sender waits.
		wait := res.RetryAfter
		if wait <= 0 {
			wait = w.cfg.RateLimitWait
		}
		a.Outcome = calls.OutcomeRetry
		why := calls.NewReason(calls.CodeRateLimited, "wait"+calls.DurSuffix, wait.Round(time.Second).String())
		u.Status, u.NextAttempt, u.LastError, u.Uncount = calls.StatusRetrying, w.cfg.Now().Add(wait), why, true
		w.holdOff(wait, "HTTP 429")
		log.Warn("TQM rate-limited the call; it waits without using up a try", "retry_after", wait, "next_attempt", u.NextAttempt)
	default: // Retry, or no answer at all
		a.Outcome = calls.OutcomeRetry
		why := a.ErrorCoded
		if why.IsZero() {
			why = calls.NewReason(calls.CodeHTTPStatus, "status", strconv.Itoa(res.HTTPStatus))
		}
		if errors.Is(err, context.Canceled) && !timedOut {
			// Cut short by shutdown: TQM may have it.
			why = calls.NewReason(calls.CodeUnknownStopped)
			a.Outcome = calls.OutcomeUnknown
			u.OutcomeUnknown = true
		}
		msg := why.English()
		u.LastError = why
		if c.Attempts > len(w.cfg.Schedule) {
			u.Status, u.Reason = calls.StatusFailed, calls.NewReason(calls.CodeGaveUp, "tries", strconv.Itoa(c.Attempts)).With(why)
			log.Error("call failed for good; it can be resent", "err", msg)
			w.incident(IncidentCallFailed, true, u.Reason.English())
		} else {
			wait := w.cfg.Schedule[c.Attempts-1]
			if res.RetryAfter > 0 { // a 503 with Retry-After: not before TQM said
				wait = max(wait, res.RetryAfter)
				w.holdOff(res.RetryAfter, fmt.Sprintf("HTTP %d with Retry-After", res.HTTPStatus))
			}
			u.Status, u.NextAttempt = calls.StatusRetrying, w.cfg.Now().Add(wait)
			log.Warn("try failed; will retry", "err", msg, "http_status", res.HTTPStatus,
				"next_attempt", u.NextAttempt)
		}
	}
	w.finish(ctx, c, a, u)
}

// finish records a try. When that fails (disk full, a locked or vanished
// file), it keeps trying in the background with a growing pause until it
// works or the worker stops: the call must not stay "sending". Meanwhile
// the call counts as in flight (the sweeper leaves it alone).
func (w *Worker) finish(ctx context.Context, c calls.Call, a calls.Attempt, u store.Update) {
	err := w.record(ctx, c, a, u)
	if err == nil {
		return
	}
	if ctx.Err() != nil {
		w.setInFlight(c.ID, false)
		w.log.Error("cannot record the delivery result; the call is re-queued on the next start", "row", c.ID, "err", err)
		return
	}
	w.log.Error("cannot record the delivery result; trying again", "row", c.ID, "err", err)
	w.inflight.Add(1)
	go func() {
		defer w.inflight.Done()
		wait := 500 * time.Millisecond
		for {
			if !sleep(ctx, wait) {
				w.setInFlight(c.ID, false)
				w.log.Error("the delivery result was never recorded; the call is re-queued on the next start", "row", c.ID)
				return
			}
			err := w.record(ctx, c, a, u)
			if err == nil {
				w.log.Info("delivery result recorded after all", "row", c.ID)
				return
			}
			if errors.Is(err, calls.ErrNotFound) {
				w.setInFlight(c.ID, false)
				return
			}
			wait = min(wait*2, 30*time.Second)
		}
	}()
}

// record writes a try's outcome; on success the call is no longer in flight.
func (w *Worker) record(ctx context.Context, c calls.Call, a calls.Attempt, u store.Update) error {
	if ctx.Err() != nil {
		// Shutting down: record the outcome anyway, briefly.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
	}
	if err := w.cfg.Outbox.Finish(ctx, c.ID, a, u); err != nil {
		return err
	}
	w.setInFlight(c.ID, false)
	w.notify(c.ID)
	w.Wake() // the worker may have gone idle while this call was in flight
	return nil
}

// reparse reads a calltracking call's parameters again from its raw
// request with today's parser, over the stored ones (which keep anything
// merged in later): a call stored as invalid, or with parameters an older
// parser dropped, is mapped from everything it carried.
func (w *Worker) reparse(c calls.Call) calls.Call {
	if c.Source != "calltracking" || c.Raw == "" {
		return c
	}
	var req mango.Request
	if json.Unmarshal([]byte(c.Raw), &req) != nil || (req.Query == "" && req.Body == "" && req.BodyBase64 == nil) {
		return c
	}
	if req.BodyBase64 != nil {
		req.Body = string(req.BodyBase64)
	}
	parsed, _ := mango.Parse(req, time.UTC) // its error is about the call, not about reading it
	if len(parsed.Params) == 0 {
		return c
	}
	p := mango.Params{}
	_ = json.Unmarshal([]byte(c.Params), &p)
	changed := false
	for k, v := range parsed.Params {
		if old, ok := p[k]; !ok || old != v {
			p[k], changed = v, true
		}
	}
	if !changed {
		return c
	}
	if b, err := json.Marshal(p); err == nil {
		c.Params = string(b)
	}
	return c
}

// prepare maps and validates a call. problem is not zero when the call
// cannot be sent as it is.
func (w *Worker) prepare(ctx context.Context, c calls.Call) (fields []mapping.Field, request string, problem calls.Reason) {
	cfg, err := w.cfg.Mapping(ctx)
	if err != nil {
		return nil, "", calls.NewReason(calls.CodeMappingUnreadable, calls.ArgError, err.Error())
	}
	var p mango.Params
	if err := json.Unmarshal([]byte(c.Params), &p); err != nil {
		return nil, "", calls.NewReason(calls.CodeParamsUnreadable, calls.ArgError, err.Error())
	}
	res, err := mapping.Apply(cfg, p)
	if err != nil {
		return nil, "", calls.ReasonFor(err, calls.CodeLegacy)
	}
	for _, n := range res.Notes {
		w.log.Info("mapping note", "row", c.ID, "call_id", c.CallID, "note", n)
	}
	b, _ := json.Marshal(res)
	request = string(b)
	if err := mapping.Validate(res, mapping.ValidateOptions{Now: w.cfg.Now(), TimeZone: cfg.TimeZone,
		FileLinkRequired: w.cfg.FileLinkRequired != nil && w.cfg.FileLinkRequired()}); err != nil {
		return nil, request, calls.ReasonFor(err, calls.CodeLegacy)
	}
	return res.Fields, request, calls.Reason{}
}

// resultReason is why a sender did not send a call: its coded reason, else
// its text.
func resultReason(res SendResult) calls.Reason {
	if !res.Reason.IsZero() {
		return res.Reason
	}
	return calls.Legacy(res.Body)
}
