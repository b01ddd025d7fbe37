package reconcile

import (
	"fmt"
	"strings"
	"time"
)

// Moscow is Mango's time zone (UTC+3 all year since 2014).
var Moscow = time.FixedZone("MSK", 3*60*60)

// ParseTime reads a backfill bound: YYYY-MM-DD (midnight Moscow time; with
// end set, the end of that day, i.e. the next midnight), YYYY-MM-DDTHH:MM:SS
// or "YYYY-MM-DD HH:MM:SS" (Moscow time) or RFC 3339.
func ParseTime(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, Moscow); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, Moscow); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (Moscow time) or RFC 3339", s)
}
