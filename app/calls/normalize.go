package calls

import (
	"strings"
)

// NormalizeKey folds a parameter name for tolerant matching: lower case,
// without '_', '-', ' ' and '.', so callId, call_id and CALLID are one name.
func NormalizeKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if r == '_' || r == '-' || r == ' ' || r == '.' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NormalizeNumber keeps the digits of a phone number, at most the last 10
// (so +7 495 …, 8 495 … and 495 … compare equal).
func NormalizeNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) > 10 {
		d = d[len(d)-10:]
	}
	return d
}

// EntryIDOf returns the Mango entry id of a call: the call id of a VPBX or
// reconciled row, else its entryId parameter (tolerant spelling), "" when
// unknown. params is the call's parameters as a JSON object.
func EntryIDOf(source Source, callID, params string) string {
	if (source == SourceVPBX || source == SourceReconcile || source == SourceBackfill) && callID != "" {
		return callID
	}
	p, err := DecodeParams(params)
	if err != nil {
		return ""
	}
	return p.Get("entryId")
}
