package calls

import (
	"fmt"
	"strings"
	"time"
)

// TimeForms lists, for messages, the date forms ParseTime accepts.
const TimeForms = "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (Moscow time) or RFC 3339 (2026-11-01T09:00:00+03:00)"

// Moscow is Mango's and TQM's time zone (UTC+3 since 2014; the fixed zone
// stands in where the system has no zone database).
func Moscow() *time.Location {
	if loc, err := time.LoadLocation("Europe/Moscow"); err == nil {
		return loc
	}
	return time.FixedZone("MSK", 3*60*60)
}

// ParseTime reads a moment the way office admins write it on the command
// line: a date (its midnight in Moscow), a date and time in Moscow, or RFC
// 3339 with its own offset.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, Moscow()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use %s", s, TimeForms)
}
