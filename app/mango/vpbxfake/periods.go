package vpbxfake

import "time"

// StatsPeriod is one accepted stats/request: when it came (the fake's
// clock) and the period it asked for (date_from, date_to read as plain
// Unix seconds).
type StatsPeriod struct {
	Time     time.Time
	From, To time.Time
}

// StatsPeriods returns the accepted stats/request periods, oldest first.
func (s *Server) StatsPeriods() []StatsPeriod {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StatsPeriod(nil), s.periods...)
}

// RequestsTo returns the times of the API requests to path (any answer),
// oldest first, on the fake's clock.
func (s *Server) RequestsTo(path string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, r := range s.requests {
		if r.Path == path {
			out = append(out, r.Time)
		}
	}
	return out
}
