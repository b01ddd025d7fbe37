package calls

import "fmt"

// Status is where a call stands in delivery.
type Status string

// Call statuses.
const (
	StatusQueued    Status = "queued"    // waiting for its first try
	StatusSending   Status = "sending"   // a try is in flight
	StatusRetrying  Status = "retrying"  // a try failed; waiting for the next one
	StatusDelivered Status = "delivered" // TQM answered 200
	StatusFailed    Status = "failed"    // every scheduled try failed; resendable
	StatusAttention Status = "attention" // needs attention: the call cannot be sent as it is
	StatusInvalid   Status = "invalid"   // malformed webhook, kept raw
	StatusDuplicate Status = "duplicate" // same call seen before; never delivered
	StatusSkipped   Status = "skipped"   // deliberately not sent (e.g. no recording)
)

// Statuses lists every status, in display order.
var Statuses = []Status{StatusQueued, StatusSending, StatusRetrying, StatusDelivered,
	StatusFailed, StatusAttention, StatusInvalid, StatusDuplicate, StatusSkipped}

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, error) {
	for _, k := range Statuses {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown status %q", s)
}

// Waiting reports whether the call waits for a try (queued or retrying).
func (s Status) Waiting() bool { return s == StatusQueued || s == StatusRetrying }

// Final reports whether delivery is over for the call (nothing more happens
// unless the user resends it).
func (s Status) Final() bool {
	switch s {
	case StatusDelivered, StatusFailed, StatusAttention, StatusInvalid, StatusDuplicate, StatusSkipped:
		return true
	}
	return false
}

// Outcome is what one try of a call came to.
type Outcome string

// Attempt outcomes.
const (
	OutcomeDelivered Outcome = "delivered" // TQM took the call
	OutcomeRetry     Outcome = "retry"     // TQM (or the way to it) failed; tried again later
	OutcomeRejected  Outcome = "rejected"  // TQM refused the call as sent (a 4xx other than 401/403/408/429)
	// OutcomeAttention, OutcomeWaiting and OutcomeSkipped: nothing was sent.
	OutcomeAttention Outcome = "attention" // not sent: the call cannot be sent as it is (mapping, recording)
	OutcomePaused    Outcome = "paused"    // TQM rejected the key; delivery paused, not counted
	OutcomeUnknown   Outcome = "unknown"   // the app stopped mid-send
	OutcomeWaiting   Outcome = "waiting"   // not sent: something the call needs is not ready yet
	OutcomeSkipped   Outcome = "skipped"   // not sent on purpose
)

// Resendable reports whether the user may send a call in status s again.
// An invalid call may: its webhook is parsed and mapped again on that try,
// so a fixed mapping applies. (A call stuck "sending" is accepted by the
// store once it is stale.)
func (s Status) Resendable() bool {
	switch s {
	case StatusDuplicate, StatusSending:
		return false
	}
	return true
}
