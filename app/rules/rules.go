// Package rules decides which calls go to TQM: ONE function (Decide) over a
// call from any road — calltracking webhook, VPBX events, reconcile,
// backfill, poll — that returns the zero reason (send it) or the rule the
// call failed, as a calls.Reason the front ends translate. A call that fails
// a rule is stored as skipped with that reason, never dropped; the user may
// send it by hand.
//
// What the rules read, per road (mango.md):
//   - calltracking webhook: always inbound (a call to a calltracking
//     number), the line is its "number" parameter (the tracking number, so
//     the lines rule always passes), answered = duration (talk seconds,
//     operator only) above 0 when the webhook has a duration, else
//     unknown (passes); UTM source from utmSource/utm_source; the group
//     from the "last group" aliases.
//   - VPBX events/summary (app/mango/mangocall.Summary parameters):
//     direction = call_direction (1 inbound, 2 outbound, 0 internal), line
//     = line_number (inbound: the number called; outbound: the line used),
//     answered = entry_result 1 and talk_time set, talk = end − talk_time,
//     the employee = the extension that answered (inbound) or called
//     (outbound).
//   - reconcile, backfill, poll (basic statistics rows turned into the same
//     parameters by app/mango/mangocall.StatsRow): direction from which sides are
//     extensions, line = line_number, answered = answer time set.
package rules

import (
	"strconv"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango"
)

// Reason codes of the rules (calls.Code* style; registered in app/calls).
const (
	CodeInbound  = calls.CodeRuleInbound
	CodeOutbound = calls.CodeRuleOutbound
	CodeLine     = calls.CodeRuleLine
	CodeMissed   = calls.CodeRuleMissed
	CodeShort    = calls.CodeRuleShort
	CodeHours    = calls.CodeRuleHours
	CodeUTM      = calls.CodeRuleUTM
	CodeEmployee = calls.CodeRuleEmployee
	CodeGroup    = calls.CodeRuleGroup
)

// Direction of a call.
type Direction string

// Directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
	Internal Direction = "internal"
	Unknown  Direction = ""
)

// Call is what the rules look at, whatever road the call came by.
type Call struct {
	Source    calls.Source
	Direction Direction
	// Line: the Mango number the call came in on (inbound) or went out by
	// (outbound); for a calltracking webhook, the tracking number.
	Line string
	// AnswerKnown says whether Answered is known; an unknown answer passes.
	AnswerKnown bool
	Answered    bool
	// Talk: seconds of conversation (-1 unknown).
	Talk    int64
	Started time.Time
	// UTMSource: the webhook's UTM source ("" for other roads).
	UTMSource string
	Employee  []string // the employee's extension and number, as known
	Group     string
}

// Tracking is the set of calltracking numbers (normalised, see Key).
type Tracking map[string]bool

// NewTracking returns the set of numbers.
func NewTracking(numbers ...string) Tracking {
	t := Tracking{}
	for _, n := range numbers {
		if k := Key(n); k != "" {
			t[k] = true
		}
	}
	return t
}

// Key is how lines compare: the last 10 digits (+7 495…, 8 495… and 495…
// are one line).
func Key(number string) string { return calls.NormalizeNumber(number) }

// Decide is THE decision: the zero reason when the call goes to TQM, else
// the first rule it fails. tracking are the known calltracking numbers;
// zone is where working hours are read (nil = time.Local).
func Decide(r config.Rules, tracking Tracking, c Call, zone *time.Location) calls.Reason {
	switch c.Direction {
	case Internal:
		return calls.NewReason(calls.CodeInternal)
	case Inbound:
		if !r.Inbound {
			return calls.NewReason(CodeInbound)
		}
	case Outbound:
		if !r.Outbound {
			return calls.NewReason(CodeOutbound)
		}
	}
	if c.Source != calls.SourceCalltracking {
		// A calltracking webhook is a call on a tracking line by definition.
		switch r.Lines {
		case config.LinesTracking:
			if len(tracking) > 0 && !tracking[Key(c.Line)] {
				return calls.NewReason(CodeLine, "line", c.Line)
			}
		case config.LinesList:
			if !NewTracking(r.LineList...)[Key(c.Line)] {
				return calls.NewReason(CodeLine, "line", c.Line)
			}
		}
	}
	if r.AnsweredOnly && c.AnswerKnown && !c.Answered {
		return calls.NewReason(CodeMissed)
	}
	// The minimum talk time applies to answered calls (and to calls whose
	// answer is unknown): with «only answered» off, missed calls go too.
	if r.MinTalk > 0 && c.Talk >= 0 && c.Talk < int64(r.MinTalk) && (c.Answered || !c.AnswerKnown) {
		return calls.NewReason(CodeShort, "talk", strconv.FormatInt(c.Talk, 10), "min", strconv.Itoa(r.MinTalk))
	}
	if r.Hours.On && !c.Started.IsZero() && !inHours(r.Hours, c.Started, zone) {
		return calls.NewReason(CodeHours, "from", r.Hours.From, "to", r.Hours.To)
	}
	if c.Source == calls.SourceCalltracking {
		u := strings.TrimSpace(c.UTMSource)
		if len(r.UTMInclude) > 0 && !contains(r.UTMInclude, u) {
			return calls.NewReason(CodeUTM, "utm", u)
		}
		if u != "" && contains(r.UTMExclude, u) {
			return calls.NewReason(CodeUTM, "utm", u)
		}
	}
	for _, e := range c.Employee {
		if e != "" && (contains(r.ExcludeEmployees, e) || containsNumber(r.ExcludeEmployees, e)) {
			return calls.NewReason(CodeEmployee, "employee", e)
		}
	}
	if c.Group != "" && contains(r.ExcludeGroups, c.Group) {
		return calls.NewReason(CodeGroup, "group", c.Group)
	}
	return calls.Reason{}
}

func inHours(h config.WorkHours, t time.Time, zone *time.Location) bool {
	if z := strings.TrimSpace(h.Zone); z != "" {
		if loc, err := time.LoadLocation(z); err == nil {
			zone = loc
		}
	}
	if zone == nil {
		zone = time.Local
	}
	t = t.In(zone)
	if len(h.Days) > 0 {
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		ok := false
		for _, d := range h.Days {
			ok = ok || d == wd
		}
		if !ok {
			return false
		}
	}
	from, ferr := config.ParseClock(h.From)
	to, terr := config.ParseClock(h.To)
	if ferr != nil || terr != nil {
		return true // Validate refuses these; never skip on a bad setting
	}
	m := t.Hour()*60 + t.Minute()
	return m >= from && m < to
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}

func containsNumber(list []string, v string) bool {
	k := Key(v)
	if len(k) < 5 {
		return false
	}
	for _, x := range list {
		if Key(x) == k {
			return true
		}
	}
	return false
}

// FromStored reads the rules' facts from a call as stored: its source, its
// parameters (a JSON object) and start. It is how every road's call is
// seen, so the live preview and the roads decide alike.
func FromStored(src calls.Source, params string, started time.Time) Call {
	p, _ := calls.DecodeParams(params) // unreadable: no parameters
	c := Call{Source: src, Started: started, Talk: -1}
	if d := p.Get(mango.AliasDuration...); d != "" {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 {
			c.Talk = int64(n)
		}
	}
	if src == calls.SourceCalltracking {
		c.Direction = Inbound
		if d := Direction(strings.ToLower(p.Get("direction"))); d == Outbound || d == Internal {
			c.Direction = d
		}
		c.Line = p.Get("number", "dctNumber", "trackingNumber")
		if c.Talk >= 0 {
			c.AnswerKnown, c.Answered = true, c.Talk > 0
		}
		c.UTMSource = p.Get("utmSource", "utm_source")
		c.Group = p.Get(mango.AliasGroup...)
		return c
	}
	c.Direction = Direction(strings.ToLower(p.Get("direction")))
	c.Line = p.Get("lineNumber", "line_number")
	switch p.Get("answered") {
	case "1", "true":
		c.AnswerKnown, c.Answered = true, true
	case "0", "false":
		c.AnswerKnown = true
	}
	c.Employee = []string{p.Get("operator"), p.Get("operatorNumber")}
	c.Group = p.Get("lastGroup", "last_group", "group")
	return c
}
