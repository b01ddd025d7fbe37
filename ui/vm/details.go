package vm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"mangotqm/app/calls"
	"mangotqm/app/mapping"
)

// Details is what the details pane shows for one call.
type Details struct {
	Row      Row
	CallID   string
	Raw      string // pretty JSON of the Mango request as received
	Params   string // pretty JSON of the parsed parameters
	Request  string // the mapped TQM request, one "field: value" per line
	Attempts []AttemptLine
	Reason   string
	Unknown  bool // sent, outcome unknown
	// CanResend: the call can be put back in the queue.
	CanResend bool
}

// AttemptLine is one try in the timeline.
type AttemptLine struct {
	Time          string
	Outcome       calls.Outcome // the label is "ui.outcome."+Outcome
	HTTPStatus    int
	Duration      string
	Response      string // TQM's reply
	Error         string
	CorrelationID string // TQM's x-correlation-id
}

// Redact hides secret values in text shown to the user (nil: no-op).
type Redact func(string) string

// LoadDetails reads one call. Every text passes through redact, so a secret
// that reached a payload or a reply is never shown.
func LoadDetails(ctx context.Context, b Backend, row int64, redact Redact) (Details, error) {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	call, atts, err := b.Call(ctx, row)
	if err != nil {
		return Details{}, fmt.Errorf("load call %d: %w", row, err)
	}
	d := Details{Row: RowOf(call), CallID: call.CallID, Raw: redact(pretty(call.Raw)),
		Params: redact(pretty(call.Params)), Request: redact(prettyRequest(call.Request)),
		Reason: redact(call.Reason), Unknown: call.OutcomeUnknown, CanResend: call.Status.Resendable()}
	d.Row.Note = redact(d.Row.Note)
	for _, a := range atts {
		d.Attempts = append(d.Attempts, AttemptLine{Time: a.Started.Local().Format("02.01 15:04:05"),
			Outcome: a.Outcome, HTTPStatus: a.HTTPStatus, Duration: a.Duration.String(),
			Response: redact(a.Response), Error: redact(a.Error), CorrelationID: a.CorrelationID})
	}
	return d, nil
}

func pretty(s string) string {
	if s == "" {
		return ""
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return s
	}
	return string(b)
}

// prettyRequest shows the mapped request as name: value lines. The TQM key
// travels only in a header, so it is not part of the stored request.
func prettyRequest(s string) string {
	var r mapping.Result
	if err := json.Unmarshal([]byte(s), &r); err != nil || len(r.Fields) == 0 {
		return pretty(s)
	}
	return FormatResult(r)
}

// FormatResult renders a mapping result as "field: value" lines and notes.
func FormatResult(r mapping.Result) string {
	var b strings.Builder
	for _, f := range r.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	return strings.TrimRight(b.String(), "\n")
}
