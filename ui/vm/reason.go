package vm

import (
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/delivery"
)

// ReasonKey is the i18n key of a reason code.
func ReasonKey(code string) string { return "reason." + code }

// ReasonText renders a reason from the lower layers in the user's language:
// "reason."+code with its parameters, then its parts after ": ". A TQM
// field is named as the mapping editor names it, a duration in the user's
// units; an error's or TQM's text is shown as is. A reason without a code
// (a row stored before codes) shows its English text under the
// reason.legacy headline. t nil renders English (as logs do).
func ReasonText(r calls.Reason, t TranslateData) string {
	if r.IsZero() {
		return ""
	}
	if t == nil {
		return r.English()
	}
	parts := make([]string, 0, len(r.Parts))
	for _, p := range r.Parts {
		if s := ReasonText(p, t); s != "" {
			parts = append(parts, s)
		}
	}
	head := ""
	if r.Code != calls.CodeList {
		key := ReasonKey(r.Code)
		data := make(map[string]any, len(r.Args))
		for name, v := range r.Args {
			data[name] = reasonArg(name, v, t)
		}
		head = t(key, data)
		if head == key { // a code this version does not know
			head = r.English()
			parts = nil
		}
	}
	switch {
	case len(parts) == 0:
		return head
	case head == "":
		return strings.Join(parts, "; ")
	}
	return head + ": " + strings.Join(parts, "; ")
}

// orText is coded, or a reason known only by its English text.
func orText(coded calls.Reason, text string) calls.Reason {
	if coded.IsZero() {
		return calls.Legacy(text)
	}
	return coded
}

func reasonArg(name, v string, t TranslateData) string {
	switch {
	case name == calls.ArgField:
		return fieldName(v, t)
	case strings.HasSuffix(name, calls.DurSuffix):
		if d, err := time.ParseDuration(v); err == nil {
			return FormatDuration(d, func(k string) string { return t(k, nil) })
		}
	}
	return v
}

// IncidentText is what a notification says about an incident: the
// delivery worker words its incidents in English (for the log), so those
// kinds have a text of their own; the others arrive in the user's language.
func IncidentText(in calls.Incident, t TranslateData) string {
	switch in.Kind {
	case delivery.IncidentCallFailed, delivery.IncidentKeyRejected:
		if t != nil {
			return t(ReasonKey("incident."+in.Kind), nil)
		}
	}
	return in.Message
}
