package calls

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Result is what one try of a call came to, as its sender reports it: the
// outcome, why, and any wait asked for. A sender that got no answer at all
// says so with an error beside its Result; the outcome is then OutcomeRetry
// (or OutcomeUnknown when the send was cut short), whatever Result says.
type Result struct {
	Outcome Outcome
	// Reason: why the call was not delivered, when nothing was sent
	// (waiting, skipped, attention) or no answer came (retry). Zero for an
	// answer of TQM: Next derives it from HTTPStatus.
	Reason Reason
	// RetryAfter: for OutcomeWaiting, when to look again; for OutcomeRetry,
	// the wait TQM asked for (Retry-After of a 429 or 503); 0 if none.
	RetryAfter    time.Duration
	HTTPStatus    int    // TQM's answer; 0 when nothing was sent or no answer came
	CorrelationID string // x-correlation-id of TQM's answer
	Response      string // excerpt of TQM's answer
	Duration      time.Duration
	// KeyFingerprint: for OutcomePaused, the fingerprint of the key TQM
	// rejected (never the key); "" if unknown.
	KeyFingerprint string
}

// Schedule is the retry schedule: the wait after a call's tries-th failed
// try (1 is the first), and whether it is tried again at all.
type Schedule interface {
	After(tries int) (wait time.Duration, again bool)
}

// Waits is a Schedule of fixed waits: the n-th failed try waits Waits[n-1];
// after the last one the call has failed.
type Waits []time.Duration

// After implements Schedule.
func (w Waits) After(tries int) (time.Duration, bool) {
	if tries > len(w) {
		return 0, false
	}
	return w[max(tries, 1)-1], true
}

// Svix is the default schedule (the first try is immediate): the patience
// of Svix's webhooks — 8 tries over about 27.6 hours.
var Svix = Waits{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Policy is how failures are treated: the retry schedule (nil: Svix), and
// the wait after a 429 that came without Retry-After.
type Policy struct {
	Schedule      Schedule
	RateLimitWait time.Duration
}

// Try is one try of a call: the call as claimed (sending, with this try
// counted in Attempts), what was sent, and what came of it.
type Try struct {
	Call    Call
	Started time.Time
	Request string // the mapped request (JSON, no secrets); "" if none
	TQMID   string // the id the call has at TQM; "" if not mapped
	// Unprepared: the call could not be mapped, so no sender saw it; the
	// try does not count.
	Unprepared bool
	Result     Result
}

// Step is what a try does to its call: the attempt to record and the
// call's new state. The store's Finish records it as it is.
type Step struct {
	Attempt   Attempt
	Status    Status
	Reason    Reason // why the call needs attention, was skipped or failed; zero otherwise
	LastError Reason // why this try did not deliver the call; zero when it did
	// NextAttempt: when a queued or retrying call is due.
	NextAttempt time.Time
	// Counted: the try is one of the call's tries (a rejected key, a 429,
	// a recording not there yet and a call that could not be mapped are
	// not: they did not test the call).
	Counted   bool
	Delivered time.Time
	// OutcomeUnknown: TQM may have received the call although no answer
	// was seen (a send cut short); a later duplicate at TQM is expected.
	OutcomeUnknown bool
	Request        string // stored when not ""
	TQMID          string // stored when not ""
	CorrelationID  string // stored when not ""
	// Hold: the whole sender holds back this long (a 429, or a 503 with
	// Retry-After); 0 when not.
	Hold time.Duration
}

// Next is the one transition of a call's delivery: what try t does to its
// call at now under policy p. It fails for a call that was not sending and
// for an unknown outcome.
func Next(t Try, p Policy, now time.Time) (Step, error) {
	r := t.Result
	st := Step{
		Attempt: Attempt{Started: t.Started, Duration: r.Duration, HTTPStatus: r.HTTPStatus, Outcome: r.Outcome,
			Response: r.Response, ErrorCoded: r.Reason, CorrelationID: r.CorrelationID},
		Request: t.Request, TQMID: t.TQMID, CorrelationID: r.CorrelationID, Counted: !t.Unprepared,
	}
	if from := t.Call.Status; from != StatusSending {
		return st, fmt.Errorf("a try ended for a call that is %s, not sending", from)
	}
	status := strconv.Itoa(r.HTTPStatus)
	switch r.Outcome {
	case OutcomeDelivered:
		st.Status, st.Delivered = StatusDelivered, now
	case OutcomePaused: // TQM rejected our key: the call waits for the key to be changed
		st.Status, st.NextAttempt, st.Counted = StatusQueued, now, false
		st.LastError = NewReason(CodeKeyRejected, "status", status)
	case OutcomeWaiting:
		st.Status, st.NextAttempt, st.Counted = StatusRetrying, now.Add(r.RetryAfter), false
		st.LastError = r.Reason
	case OutcomeSkipped:
		st.Status, st.Reason = StatusSkipped, r.Reason
	case OutcomeAttention:
		st.Status, st.Reason, st.LastError = StatusAttention, r.Reason, r.Reason
	case OutcomeRejected:
		why := r.Reason
		if why.IsZero() {
			why = NewReason(CodeRefused, "status", status, ArgBody, r.Response)
		}
		st.Status, st.Reason, st.LastError = StatusAttention, why, why
	case OutcomeRetry, OutcomeUnknown:
		if r.Outcome == OutcomeRetry && r.HTTPStatus == http.StatusTooManyRequests {
			// Rate limited: not the call's fault, not one of its tries; the
			// whole sender waits.
			wait := r.RetryAfter
			if wait <= 0 {
				wait = p.RateLimitWait
			}
			st.Status, st.NextAttempt, st.Counted, st.Hold = StatusRetrying, now.Add(wait), false, wait
			st.LastError = NewReason(CodeRateLimited, "wait"+DurSuffix, wait.Round(time.Second).String())
			break
		}
		why := r.Reason
		if why.IsZero() {
			why = NewReason(CodeHTTPStatus, "status", status)
		}
		if r.Outcome == OutcomeUnknown { // cut short by a stop: TQM may have it
			why, st.OutcomeUnknown = NewReason(CodeUnknownStopped), true
		}
		st.LastError = why
		sched := p.Schedule
		if sched == nil {
			sched = Svix
		}
		wait, again := sched.After(t.Call.Attempts)
		if !again {
			st.Status = StatusFailed
			st.Reason = NewReason(CodeGaveUp, "tries", strconv.Itoa(t.Call.Attempts)).With(why)
			break
		}
		if r.RetryAfter > 0 { // a 503 with Retry-After: not before TQM said
			wait, st.Hold = max(wait, r.RetryAfter), r.RetryAfter
		}
		st.Status, st.NextAttempt = StatusRetrying, now.Add(wait)
	default:
		return st, fmt.Errorf("unknown outcome %q", r.Outcome)
	}
	return st, nil
}
