package mapping

import (
	"mangotqm/app/clock"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mangotqm/app/calls"
)

// Limits and values from docs/tqm.md. hangupParty's values beyond "client" come
// from public code, not from TQM's docs (unverified).
var (
	enumValues = map[string][]string{
		FieldCallDirection:   {"inbound", "outbound"},
		FieldHangupParty:     {"client", "operator", "timeout", "server"},
		FieldOperatorChannel: {"left", "right"},
	}
	maxLen = map[string]int{
		FieldID:         MaxIDLen,
		FieldFileLink:   2000,
		FieldOperatorID: 50,
	}
)

// ValidateOptions tune Validate.
type ValidateOptions struct {
	Now time.Time
	// FileLinkRequired is true when the recording is passed as a link (the
	// v2 import/call documents fileLink as required).
	FileLinkRequired bool
	// TimeZone is the zone the dates are written in (Config.TimeZone).
	TimeZone string
	// Skew tolerates a clock ahead of ours (default 2 minutes).
	Skew time.Duration
}

// Validate checks a mapped call against what TQM documents. The error lists
// every problem, in words an office admin can act on; it carries them as a
// calls.Reason (calls.CodeCannotSend with one part per problem).
func Validate(r Result, o ValidateOptions) error {
	var problems []calls.Reason
	required := []string{FieldID, FieldCallDirection, FieldStartDate, FieldEndDate}
	if o.FileLinkRequired {
		required = append(required, FieldFileLink)
	}
	for _, f := range required {
		if strings.TrimSpace(r.Get(f)) == "" {
			problems = append(problems, calls.NewReason(calls.CodeMissing, calls.ArgField, f))
		}
	}
	for f, n := range maxLen {
		if v := r.Get(f); utf8.RuneCountInString(v) > n {
			problems = append(problems, calls.NewReason(calls.CodeTooLong, calls.ArgField, f, "n", strconv.Itoa(n)))
		}
	}
	for f, allowed := range enumValues {
		v := r.Get(f)
		if v == "" {
			continue
		}
		ok := false
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				ok = true
			}
		}
		if !ok {
			problems = append(problems, calls.NewReason(calls.CodeNotAllowed, calls.ArgField, f, "value", v,
				"allowed", strings.Join(allowed, ", ")))
		}
	}
	if v := r.Get(FieldFileLink); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, calls.NewReason(calls.CodeBadLink))
		}
	}
	problems = append(problems, checkDates(r, o)...)
	if len(problems) > 0 {
		return calls.NewReason(calls.CodeCannotSend).With(problems...).Err()
	}
	return nil
}

func checkDates(r Result, o ValidateOptions) []calls.Reason {
	loc, err := loadZone(o.TimeZone)
	if err != nil {
		return []calls.Reason{calls.NewReason(calls.CodeBadZone, "zone", o.TimeZone)}
	}
	now := o.Now
	if now.IsZero() {
		now = clock.Real{}.Now()
	}
	skew := o.Skew
	if skew == 0 {
		skew = 2 * time.Minute
	}
	var problems []calls.Reason
	parse := func(f string) (time.Time, bool) {
		v := r.Get(f)
		if v == "" {
			return time.Time{}, false
		}
		t, err := time.ParseInLocation(TQMDateLayout, v, loc)
		if err != nil {
			problems = append(problems, calls.NewReason(calls.CodeNotDate, calls.ArgField, f, "value", v))
			return time.Time{}, false
		}
		if t.After(now.Add(skew)) {
			problems = append(problems, calls.NewReason(calls.CodeFuture, calls.ArgField, f, "value", v))
		}
		return t, true
	}
	start, okS := parse(FieldStartDate)
	end, okE := parse(FieldEndDate)
	if okS && okE && end.Before(start) {
		problems = append(problems, calls.NewReason(calls.CodeEndBeforeStart))
	}
	return problems
}
