package reconcile

import (
	"strings"
	"time"

	"mangotqm/app/calls"
)

// ParseTime reads a backfill bound like calls.ParseTime (YYYY-MM-DD,
// YYYY-MM-DDTHH:MM:SS or "YYYY-MM-DD HH:MM:SS" in Moscow time, or RFC
// 3339); with end set, a date alone means the end of that day (the next
// midnight), so that "--to 2026-03-31" includes the 31st.
func ParseTime(s string, end bool) (time.Time, error) {
	t, err := calls.ParseTime(s)
	if err != nil {
		return t, err
	}
	if _, derr := time.Parse("2006-01-02", strings.TrimSpace(s)); end && derr == nil {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}
