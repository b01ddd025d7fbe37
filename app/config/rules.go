package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Import rules: which calls the bridge sends to TQM. A call that fails a
// rule is stored as skipped with the rule named (app/rules decides), never
// dropped; the user may still send it by hand.

// LinesMode says which lines' calls are imported.
type LinesMode string

// Lines modes.
const (
	// LinesTracking: only calls to the calltracking numbers (learned from
	// the webhooks' number parameter, editable). While none is known, every
	// line counts.
	LinesTracking LinesMode = "tracking"
	LinesAll      LinesMode = "all"  // every line
	LinesList     LinesMode = "list" // the numbers in Rules.Lines
)

// AllLinesModes lists the modes in display order.
var AllLinesModes = []LinesMode{LinesTracking, LinesAll, LinesList}

// Rules are the import rules. The default is the Albato bundle's: inbound
// answered calls on the calltracking lines.
type Rules struct {
	Inbound  bool      `json:"inbound"`
	Outbound bool      `json:"outbound"`
	Lines    LinesMode `json:"lines"`
	// LineList: the lines (phone numbers) of LinesList.
	LineList []string `json:"line_list,omitempty"`
	// AnsweredOnly skips calls nobody answered.
	AnsweredOnly bool `json:"answered_only"`
	// MinTalk: calls with a shorter conversation (seconds) are skipped.
	MinTalk int `json:"min_talk_s"`
	// Hours: when set, only calls that started within them are imported.
	Hours WorkHours `json:"hours"`
	// UTMInclude: when not empty, only calltracking calls whose UTM source
	// is one of these; UTMExclude: never those (webhook calls only).
	UTMInclude []string `json:"utm_include,omitempty"`
	UTMExclude []string `json:"utm_exclude,omitempty"`
	// ExcludeEmployees: extensions (or numbers) of employees whose calls
	// are skipped; ExcludeGroups: groups (names or numbers) likewise.
	ExcludeEmployees []string `json:"exclude_employees,omitempty"`
	ExcludeGroups    []string `json:"exclude_groups,omitempty"`
}

// WorkHours is a daily window of local time, on the chosen weekdays.
type WorkHours struct {
	On   bool   `json:"on"`
	From string `json:"from"` // "09:00"
	To   string `json:"to"`   // "18:00" (the end is not included)
	// Days: ISO weekdays 1 (Monday) … 7 (Sunday); empty = every day.
	Days []int `json:"days,omitempty"`
	// Zone: the time zone the hours are in, e.g. Europe/Moscow ("" = the
	// computer's; a server often runs in UTC, so name it there).
	Zone string `json:"zone,omitempty"`
}

// DefaultRules is the seed's bundle: inbound answered calls on the
// calltracking lines.
func DefaultRules() Rules {
	return Rules{Inbound: true, Lines: LinesTracking, AnsweredOnly: true,
		Hours: WorkHours{From: "09:00", To: "18:00"}}
}

// Rule field names (the keys the front ends translate as "rules.field."+name).
const (
	RuleFieldDirections = "directions"
	RuleFieldLines      = "lines"
	RuleFieldLineList   = "line_list"
	RuleFieldMinTalk    = "min_talk"
	RuleFieldHoursFrom  = "hours_from"
	RuleFieldHoursTo    = "hours_to"
	RuleFieldHoursDays  = "hours_days"
	RuleFieldHoursZone  = "hours_zone"
	RuleFieldUTM        = "utm"
)

// Rule error codes (translated as "rules.error."+code).
const (
	RuleErrNoDirection = "no_direction"
	RuleErrLinesMode   = "lines_mode"
	RuleErrEmptyList   = "empty_list"
	RuleErrNotPhone    = "not_phone"
	RuleErrNotNumber   = "not_number"
	RuleErrNegative    = "negative"
	RuleErrNotTime     = "not_time"
	RuleErrEndBefore   = "end_before_start"
	RuleErrDay         = "bad_day"
	RuleErrUTMBoth     = "utm_both"
	RuleErrZone        = "bad_zone"
)

// RuleError is one refused import rule value: the field, what is wrong
// (a code) and the value. Error is English; the front ends translate
// Field and Code.
type RuleError struct {
	Field string
	Code  string
	Value string
}

func (e *RuleError) Error() string {
	msg := map[string]string{
		RuleErrNoDirection: "choose at least one direction (inbound or outbound)",
		RuleErrLinesMode:   "is not one of " + list(AllLinesModes),
		RuleErrEmptyList:   "list at least one line",
		RuleErrNotPhone:    "is not a phone number",
		RuleErrNotNumber:   "is not a whole number of seconds",
		RuleErrNegative:    "is negative",
		RuleErrNotTime:     "is not a time like 09:00",
		RuleErrEndBefore:   "the working hours end before they start",
		RuleErrDay:         "is not a weekday 1 (Monday) to 7 (Sunday)",
		RuleErrUTMBoth:     "is both included and excluded",
		RuleErrZone:        "is not a time zone like Europe/Moscow",
	}[e.Code]
	if e.Value != "" {
		return fmt.Sprintf("rules %s: %q %s", e.Field, e.Value, msg)
	}
	return fmt.Sprintf("rules %s: %s", e.Field, msg)
}

// Validate checks the rules; each error is a *RuleError naming the field.
func (r Rules) Validate() error {
	var errs []error
	bad := func(field, code, value string) {
		errs = append(errs, &RuleError{Field: field, Code: code, Value: value})
	}
	if !r.Inbound && !r.Outbound {
		bad(RuleFieldDirections, RuleErrNoDirection, "")
	}
	if !oneOf(r.Lines, AllLinesModes) {
		bad(RuleFieldLines, RuleErrLinesMode, string(r.Lines))
	}
	if r.Lines == LinesList && len(r.LineList) == 0 {
		bad(RuleFieldLineList, RuleErrEmptyList, "")
	}
	for _, l := range r.LineList {
		if !IsPhone(l) {
			bad(RuleFieldLineList, RuleErrNotPhone, l)
		}
	}
	if r.MinTalk < 0 {
		bad(RuleFieldMinTalk, RuleErrNegative, fmt.Sprint(r.MinTalk))
	}
	if r.Hours.On {
		from, ferr := ParseClock(r.Hours.From)
		to, terr := ParseClock(r.Hours.To)
		if ferr != nil {
			bad(RuleFieldHoursFrom, RuleErrNotTime, r.Hours.From)
		}
		if terr != nil {
			bad(RuleFieldHoursTo, RuleErrNotTime, r.Hours.To)
		}
		if ferr == nil && terr == nil && to <= from {
			bad(RuleFieldHoursTo, RuleErrEndBefore, r.Hours.To)
		}
		if z := strings.TrimSpace(r.Hours.Zone); z != "" {
			if _, err := time.LoadLocation(z); err != nil {
				bad(RuleFieldHoursZone, RuleErrZone, z)
			}
		}
		for _, d := range r.Hours.Days {
			if d < 1 || d > 7 {
				bad(RuleFieldHoursDays, RuleErrDay, fmt.Sprint(d))
			}
		}
	}
	for _, u := range r.UTMInclude {
		for _, x := range r.UTMExclude {
			if strings.EqualFold(strings.TrimSpace(u), strings.TrimSpace(x)) {
				bad(RuleFieldUTM, RuleErrUTMBoth, u)
			}
		}
	}
	return errors.Join(errs...)
}

// ParseClock reads "HH:MM" as minutes after midnight (24:00 allowed as
// the end of the day).
func ParseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) < 4 || len(s) > 5 {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	return h*60 + m, nil
}

// IsPhone reports whether s reads as a phone number: digits with the usual
// separators (+, spaces, dashes, brackets), 5 to 15 digits.
func IsPhone(s string) bool {
	s = strings.TrimSpace(s)
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 15
}
