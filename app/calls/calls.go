// Package calls is the bridge's domain: a received call, its delivery
// attempts, the typed status with its one transition function, the filters
// and counts the front ends show, incidents, and the normalisers of Mango
// parameter names and phone numbers. It imports nothing of mangotqm's.
package calls

import (
	"errors"
	"time"
)

// Source says how a call reached the bridge.
type Source string

// Sources of calls.
const (
	SourceCalltracking Source = "calltracking" // Mango calltracking "call end" webhook
	SourceVPBX         Source = "vpbx"         // Mango VPBX API connector events
	SourceReconcile    Source = "reconcile"    // found by the periodic reconcile with Mango's statistics
	SourceBackfill     Source = "backfill"     // imported by a backfill of a past period
)

// Call is one stored webhook and its delivery state.
type Call struct {
	ID          int64
	Source      Source
	CallID      string
	DuplicateOf int64
	Raw         string
	Params      string
	Caller      string
	Operator    string
	Started     time.Time
	Duration    int64
	Received    time.Time
	Status      Status
	Reason      string // English text of ReasonCoded (logs, command line)
	// ReasonCoded: why the call is invalid, needs attention, was skipped,
	// failed or is a duplicate, as a code the front ends translate.
	ReasonCoded Reason
	Request     string
	TQMID       string
	Attempts    int
	NextAttempt time.Time
	LastError   string // English text of LastErrorCoded
	// LastErrorCoded: why the last try did not deliver the call.
	LastErrorCoded Reason
	CorrelationID  string
	OutcomeUnknown bool
	Delivered      time.Time
	Updated        time.Time
	// Notes: what the receiver flagged about the webhook (e.g. parameters
	// kept as received).
	Notes string
	// RawCut: Raw holds only the first part of a body too long to keep.
	RawCut bool
}

// Attempt is one try to deliver a call.
type Attempt struct {
	ID         int64
	CallRow    int64
	Started    time.Time
	Duration   time.Duration
	HTTPStatus int
	Outcome    Outcome
	Response   string
	Error      string // English text (ErrorCoded's, or the raw error)
	// ErrorCoded: why the try did not deliver the call, as a code.
	ErrorCoded    Reason
	CorrelationID string
}

// Filter selects calls for a listing. Zero fields do not filter.
type Filter struct {
	Statuses []Status
	Sources  []Source
	Since    time.Time // received at or after
	Until    time.Time // received before
	Search   string    // substring of caller, operator, call id or reason
	Limit    int       // default 500
	Offset   int

	// ByRule: only calls skipped by an import rule (status skipped, a
	// "rule.*" reason).
	ByRule bool
}

// Counts summarises the outbox for the status header and tray.
type Counts struct {
	Waiting        int // queued + retrying
	Sending        int
	Failed         int
	Attention      int
	Invalid        int
	DeliveredToday int
	Total          int
}

// Incident is a condition the user must know about (one open per kind).
type Incident struct {
	ID      int64
	Kind    string
	Message string
	Opened  time.Time
	Cleared time.Time
}

// ErrNotFound is returned for an unknown call row.
var ErrNotFound = errors.New("call not found")

// ErrNotResendable is returned when a call cannot be sent again.
var ErrNotResendable = errors.New("this call cannot be resent")

// MessageUnknownOutcome is recorded for a send cut short by a stop or crash.
// (CodeUnknownStopped's English text).
const MessageUnknownOutcome = "sent, outcome unknown: the app stopped before TQM answered; the call is sent again and TQM may receive it twice"
