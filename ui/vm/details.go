package vm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mapping"
)

// Details is what the details pane shows for one call.
type Details struct {
	Row    Row
	CallID string
	Raw    string // pretty JSON of the Mango request as received
	Params string // pretty JSON of the parsed parameters
	// Fields are the webhook's parameters, decoded, sorted by name: the
	// «Данные Mango» table.
	Fields  []KV
	Request string // the mapped TQM request, one "field: value" per line
	// RequestZone is the time zone of the request's dates (the mapping's
	// TQM zone): TQM's dates carry no offset.
	RequestZone string
	Attempts    []AttemptLine
	Reason      string
	Unknown     bool // sent, outcome unknown
	// CanResend: the call can be put back in the queue.
	CanResend bool
	// ConfirmResend: TQM already has the call; sending it again makes a
	// second import there, so the user is asked first.
	ConfirmResend bool
	// SkippedByRule: an import rule kept the call from TQM; the resend
	// button reads «Отправить всё равно» (ResendKey).
	SkippedByRule bool
}

// ResendKey is the i18n key of the details' resend button.
func (d Details) ResendKey() string {
	if d.SkippedByRule {
		return "ui.action.send_anyway"
	}
	return "ui.action.resend"
}

// KV is one parameter of a webhook.
type KV struct{ Name, Value string }

// AttemptLine is one try in the timeline.
type AttemptLine struct {
	Time          string
	Outcome       calls.Outcome // the label is "ui.outcome."+Outcome
	HTTPStatus    int
	Duration      time.Duration // rendered with FormatDuration
	Response      string        // TQM's reply
	Error         string
	CorrelationID string // TQM's x-correlation-id
	RetryAt       string // local HH:MM of the next try ("" = none)
}

// Redact hides secret values in text shown to the user (nil: no-op).
type Redact func(string) string

// DetailsSource is what the details read: the call and its attempts
// (CallLog) and the mapping's time zone (Mappings).
type DetailsSource interface {
	CallLog
	Mappings
}

// LoadDetails reads one call. Every text passes through redact, so a secret
// that reached a payload or a reply is never shown; t renders the reasons
// in the user's language (nil: English).
func LoadDetails(ctx context.Context, b DetailsSource, row int64, redact Redact, t TranslateData) (Details, error) {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	call, atts, err := b.Call(ctx, row)
	if err != nil {
		return Details{}, fmt.Errorf("load call %d: %w", row, err)
	}
	d := Details{Row: RowOf(call, t), CallID: call.CallID, Raw: redact(pretty(call.Raw)),
		Params: redact(pretty(call.Params)), Fields: fields(call.Params, redact),
		Request: redact(prettyRequest(call.Request, t)),
		Reason:  redact(ReasonText(orText(call.ReasonCoded, call.Reason), t)), Unknown: call.OutcomeUnknown, CanResend: call.Status.Resendable(),
		ConfirmResend: call.Status == calls.StatusDelivered,
		SkippedByRule: call.Status == calls.StatusSkipped && calls.IsRule(call.ReasonCoded.Code)}
	d.Row.Note = redact(d.Row.Note)
	d.Row.Attempts = len(atts)
	if m, err := b.Mapping(ctx); err == nil {
		d.RequestZone = m.TimeZone
	}
	if d.RequestZone == "" {
		d.RequestZone = mapping.Default().TimeZone
	}
	started := make([]time.Time, 0, len(atts))
	for _, a := range atts {
		d.Attempts = append(d.Attempts, AttemptLine{Time: a.Started.Local().Format("02.01 15:04:05"),
			Outcome: a.Outcome, HTTPStatus: a.HTTPStatus, Duration: a.Duration,
			Response: redact(a.Response), Error: redact(attemptError(a, t)), CorrelationID: a.CorrelationID})
		started = append(started, a.Started)
	}
	retryTimes(d.Attempts, started, call) // attempts.go
	return d, nil
}

// attemptError is why a try failed, in the user's language.
func attemptError(a calls.Attempt, t TranslateData) string {
	return ReasonText(orText(a.ErrorCoded, a.Error), t)
}

// fields decodes the stored parameters (a JSON object of strings) into
// sorted name → value pairs. Values arrive URL-decoded from the receiver;
// a value that is itself still percent-encoded is decoded once more.
func fields(params string, redact Redact) []KV {
	if strings.TrimSpace(params) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(params), &m); err != nil {
		return nil
	}
	out := make([]KV, 0, len(m))
	for k, v := range m {
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case nil:
		default:
			b, _ := json.Marshal(t)
			s = string(b)
		}
		if strings.Contains(s, "%") {
			if u, err := url.QueryUnescape(s); err == nil {
				s = u
			}
		}
		out = append(out, KV{Name: k, Value: redact(s)})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
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
func prettyRequest(s string, t TranslateData) string {
	var r mapping.Result
	if err := json.Unmarshal([]byte(s), &r); err != nil || len(r.Fields) == 0 {
		return pretty(s)
	}
	return FormatResult(r, t)
}

// FormatResult renders a mapping result as "field: value" lines and its
// notes (in the user's language; t nil: English).
func FormatResult(r mapping.Result, t TranslateData) string {
	var b strings.Builder
	for _, f := range r.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	ns := r.Notes
	if t != nil {
		ns = notes(r, t)
	}
	for _, n := range ns {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	return strings.TrimRight(b.String(), "\n")
}
