// Package delivery drains the calls outbox into TQM: it claims due calls,
// maps and validates them, sends them at a smooth rate, and records every
// try. A call is never dropped: a TQM outage means "retrying", a rejected
// key pauses sending, a call TQM refuses needs the user's attention.
package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"mangotqm/app/calls"
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
)

// SendResult is what one request to TQM gave.
type SendResult struct {
	Class         Class
	HTTPStatus    int
	CorrelationID string
	Body          string // excerpt of TQM's answer, or why Wait/Skip
	Duration      time.Duration
	RetryAfter    time.Duration // for Wait
}

// Sender sends one mapped call to TQM. err describes a failure without an
// HTTP answer (Class is then Retry) and never contains a secret.
type Sender interface {
	Send(ctx context.Context, call calls.Call, fields []mapping.Field) (SendResult, error)
}

// Outbox is the part of the store the worker uses.
type Outbox interface {
	Claim(ctx context.Context) (calls.Call, bool, error)
	Finish(ctx context.Context, row int64, a calls.Attempt, u store.Update) error
	NextDue(ctx context.Context) (time.Time, bool, error)
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
	// MaxInFlight bounds concurrent requests; default 4.
	MaxInFlight int
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
}

// Worker is the outbox relay.
type Worker struct {
	cfg Config
	log *slog.Logger

	wake   chan struct{}
	mu     sync.Mutex
	paused bool
	resume chan struct{}

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
		cfg.MaxInFlight = 4
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
	sendCtx, cancel := context.WithCancel(context.Background())
	return &Worker{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1),
		resume: make(chan struct{}), sendCtx: sendCtx, cancel: cancel}
}

// Wake tells the worker a call may be due now (a new webhook arrived).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// SetPaused pauses or resumes sending. Receiving is never paused.
func (w *Worker) SetPaused(p bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.paused == p {
		return
	}
	w.paused = p
	if !p {
		close(w.resume)
		w.resume = make(chan struct{})
	}
}

// Paused reports whether sending is paused.
func (w *Worker) Paused() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.paused
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
	interval := time.Duration(float64(time.Second) / w.cfg.Rate)
	slots := make(chan struct{}, w.cfg.MaxInFlight)
	var nextSlot time.Time
	for {
		if p, resumed := w.pausedCh(); p {
			select {
			case <-ctx.Done():
				return nil
			case <-resumed:
				continue
			}
		}
		// Smooth rate: request starts are at least interval apart; no bursts.
		if d := nextSlot.Sub(w.cfg.Now()); d > 0 {
			if !sleep(ctx, d) {
				return nil
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		if w.Paused() { // paused while we waited for a slot
			<-slots
			continue
		}
		c, ok, err := w.cfg.Outbox.Claim(ctx)
		if err != nil {
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
		if !ok {
			<-slots
			if !w.idle(ctx) {
				return nil
			}
			continue
		}
		nextSlot = w.cfg.Now().Add(interval)
		w.notify(c.ID)
		w.inflight.Add(1)
		go func() {
			defer func() { <-slots; w.inflight.Done() }()
			w.process(c)
		}()
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

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
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

// process maps, validates, sends and records one claimed call.
func (w *Worker) process(c calls.Call) {
	ctx := w.sendCtx
	started := w.cfg.Now()
	log := w.log.With("row", c.ID, "call_id", c.CallID, "attempt", c.Attempts)

	fields, request, problem := w.prepare(ctx, c)
	if problem != "" {
		log.Warn("call needs attention", "reason", problem)
		w.finish(ctx, c, calls.Attempt{Started: started, Outcome: calls.OutcomeAttention, Error: problem},
			store.Update{Status: calls.StatusAttention, Reason: problem, Request: request, LastError: problem, Uncount: true})
		return
	}
	tqmID := ""
	for _, f := range fields {
		if f.Name == mapping.FieldID {
			tqmID = f.Value
		}
	}

	res, err := w.cfg.Sender.Send(ctx, c, fields)
	a := calls.Attempt{Started: started, Duration: res.Duration, HTTPStatus: res.HTTPStatus,
		Response: res.Body, CorrelationID: res.CorrelationID}
	u := store.Update{Request: request, TQMID: tqmID, CorrelationID: res.CorrelationID}
	if err != nil {
		a.Error = err.Error()
	}
	switch {
	case err == nil && res.Class == Accepted:
		a.Outcome = calls.OutcomeDelivered
		u.Status, u.Delivered = calls.StatusDelivered, w.cfg.Now()
		log.Info("call delivered to TQM", "correlation_id", res.CorrelationID, "duration_ms", res.Duration.Milliseconds())
		w.incident(IncidentKeyRejected, false, "")
	case err == nil && res.Class == AuthRejected:
		a.Outcome = calls.OutcomePaused
		msg := fmt.Sprintf("TQM rejected the access key (HTTP %d); sending is paused until the key is fixed", res.HTTPStatus)
		u.Status, u.NextAttempt, u.LastError, u.Uncount = calls.StatusQueued, w.cfg.Now(), msg, true
		log.Error("TQM rejected the access key; pausing delivery", "http_status", res.HTTPStatus, "correlation_id", res.CorrelationID)
		w.SetPaused(true)
		if w.cfg.OnPause != nil {
			w.cfg.OnPause()
		}
		w.incident(IncidentKeyRejected, true, msg)
	case err == nil && res.Class == Wait:
		a.Outcome = calls.OutcomeWaiting
		a.Error = res.Body
		u.Status, u.NextAttempt, u.LastError, u.Uncount = calls.StatusRetrying, w.cfg.Now().Add(res.RetryAfter), res.Body, true
		log.Info("call waits", "reason", res.Body, "next_attempt", u.NextAttempt)
	case err == nil && res.Class == Skip:
		a.Outcome = calls.OutcomeSkipped
		a.Error = res.Body
		u.Status, u.Reason, u.LastError = calls.StatusSkipped, res.Body, ""
		log.Info("call skipped", "reason", res.Body)
	case err == nil && res.Class == Rejected:
		a.Outcome = calls.OutcomeAttention
		msg := fmt.Sprintf("TQM refused the call (HTTP %d): %s", res.HTTPStatus, res.Body)
		if res.HTTPStatus == 0 { // refused before sending (e.g. no usable recording)
			msg = res.Body
		}
		u.Status, u.Reason, u.LastError = calls.StatusAttention, msg, msg
		log.Warn("TQM refused the call", "http_status", res.HTTPStatus, "correlation_id", res.CorrelationID, "response", res.Body)
	default: // Retry, or no answer at all
		a.Outcome = calls.OutcomeRetry
		msg := a.Error
		if msg == "" {
			msg = fmt.Sprintf("TQM answered HTTP %d", res.HTTPStatus)
		}
		if errors.Is(err, context.Canceled) {
			// Cut short by shutdown: TQM may have it.
			msg = calls.MessageUnknownOutcome
			a.Outcome = calls.OutcomeUnknown
			u.OutcomeUnknown = true
		}
		u.LastError = msg
		if c.Attempts > len(w.cfg.Schedule) {
			u.Status, u.Reason = calls.StatusFailed, fmt.Sprintf("gave up after %d tries: %s", c.Attempts, msg)
			log.Error("call failed for good; it can be resent", "err", msg)
			w.incident(IncidentCallFailed, true, u.Reason)
		} else {
			u.Status, u.NextAttempt = calls.StatusRetrying, w.cfg.Now().Add(w.cfg.Schedule[c.Attempts-1])
			log.Warn("TQM not reachable; will retry", "err", msg, "http_status", res.HTTPStatus,
				"next_attempt", u.NextAttempt)
		}
	}
	w.finish(ctx, c, a, u)
}

func (w *Worker) finish(ctx context.Context, c calls.Call, a calls.Attempt, u store.Update) {
	if ctx.Err() != nil {
		// Shutting down: record the outcome anyway, briefly.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
	}
	if err := w.cfg.Outbox.Finish(ctx, c.ID, a, u); err != nil {
		// The row stays "sending" and is recovered on the next start.
		w.log.Error("cannot record the delivery result", "row", c.ID, "err", err)
		return
	}
	w.notify(c.ID)
	w.Wake() // the worker may have gone idle while this call was in flight
}

// prepare maps and validates a call. problem is non-empty when the call
// cannot be sent as it is.
func (w *Worker) prepare(ctx context.Context, c calls.Call) (fields []mapping.Field, request, problem string) {
	cfg, err := w.cfg.Mapping(ctx)
	if err != nil {
		return nil, "", "cannot read the mapping: " + err.Error()
	}
	var p mango.Params
	if err := json.Unmarshal([]byte(c.Params), &p); err != nil {
		return nil, "", "stored parameters are unreadable: " + err.Error()
	}
	res, err := mapping.Apply(cfg, p)
	if err != nil {
		return nil, "", err.Error()
	}
	for _, n := range res.Notes {
		w.log.Info("mapping note", "row", c.ID, "call_id", c.CallID, "note", n)
	}
	b, _ := json.Marshal(res)
	request = string(b)
	if err := mapping.Validate(res, mapping.ValidateOptions{Now: w.cfg.Now(), TimeZone: cfg.TimeZone,
		FileLinkRequired: w.cfg.FileLinkRequired != nil && w.cfg.FileLinkRequired()}); err != nil {
		return nil, request, err.Error()
	}
	return res.Fields, request, ""
}
