package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Import rules as command-line flags of serve (one run; the window saves
// them). Lists are comma-separated.
const (
	FlagRulesDirections  = "rules-directions"        // inbound, outbound or inbound,outbound
	FlagRulesLines       = "rules-lines"             // tracking, all, or phone numbers
	FlagRulesAnswered    = "rules-answered-only"     // true or false
	FlagRulesMinTalk     = "rules-min-talk"          // seconds
	FlagRulesHours       = "rules-hours"             // off, or 09:00-18:00
	FlagRulesUTMInclude  = "rules-utm-include"       // UTM sources
	FlagRulesUTMExclude  = "rules-utm-exclude"       // UTM sources
	FlagRulesNoEmployees = "rules-exclude-employees" // extensions
	FlagRulesNoGroups    = "rules-exclude-groups"    // group names
)

// RuleFlags lists the import rules' flags.
var RuleFlags = []string{FlagRulesDirections, FlagRulesLines, FlagRulesAnswered, FlagRulesMinTalk, FlagRulesHours,
	FlagRulesUTMInclude, FlagRulesUTMExclude, FlagRulesNoEmployees, FlagRulesNoGroups}

// RuleFlagHelp is each flag's help text.
var RuleFlagHelp = map[string]string{
	FlagRulesDirections:  "import rules: which directions reach TQM: inbound, outbound or inbound,outbound (internal calls never) (saved setting if not given)",
	FlagRulesLines:       "import rules: tracking (calltracking numbers only), all, or a comma-separated list of lines (phone numbers) (saved setting if not given)",
	FlagRulesAnswered:    "import rules: only answered calls reach TQM (saved setting if not given)",
	FlagRulesMinTalk:     "import rules: calls with less talk (seconds) are not sent (saved setting if not given)",
	FlagRulesHours:       "import rules: off, or working hours like 09:00-18:00, optionally with a time zone: 09:00-18:00 Europe/Moscow (default: the computer's) (saved setting if not given)",
	FlagRulesUTMInclude:  "import rules: only calltracking calls with these UTM sources, comma-separated (saved setting if not given)",
	FlagRulesUTMExclude:  "import rules: never calltracking calls with these UTM sources, comma-separated (saved setting if not given)",
	FlagRulesNoEmployees: "import rules: do not send calls of these employees (extensions), comma-separated (saved setting if not given)",
	FlagRulesNoGroups:    "import rules: do not send calls of these groups, comma-separated (saved setting if not given)",
}

func commaList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// set overrides one rule by its flag name; handled is false for another
// flag. Call Validate after.
func (r *Rules) set(flag, value string) (handled bool, err error) {
	switch flag {
	case FlagRulesDirections:
		r.Inbound, r.Outbound = false, false
		for _, d := range commaList(value) {
			switch strings.ToLower(d) {
			case "inbound":
				r.Inbound = true
			case "outbound":
				r.Outbound = true
			default:
				return true, fmt.Errorf("--%s: %q is not inbound or outbound", flag, d)
			}
		}
	case FlagRulesLines:
		switch v := strings.ToLower(strings.TrimSpace(value)); v {
		case string(LinesTracking), string(LinesAll):
			r.Lines, r.LineList = LinesMode(v), nil
		default:
			r.Lines, r.LineList = LinesList, commaList(value)
		}
	case FlagRulesAnswered:
		v, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return true, fmt.Errorf("--%s: %q is not true or false", flag, value)
		}
		r.AnsweredOnly = v
	case FlagRulesMinTalk:
		v, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return true, fmt.Errorf("--%s: %q is not a whole number of seconds", flag, value)
		}
		r.MinTalk = v
	case FlagRulesHours:
		v := strings.TrimSpace(value)
		if strings.EqualFold(v, "off") || v == "" {
			r.Hours.On = false
			break
		}
		span, zone, _ := strings.Cut(v, " ")
		from, to, ok := strings.Cut(span, "-")
		if !ok {
			return true, fmt.Errorf("--%s: %q is neither off nor hours like 09:00-18:00", flag, value)
		}
		r.Hours = WorkHours{On: true, From: strings.TrimSpace(from), To: strings.TrimSpace(to), Days: r.Hours.Days,
			Zone: strings.TrimSpace(zone)}
	case FlagRulesUTMInclude:
		r.UTMInclude = commaList(value)
	case FlagRulesUTMExclude:
		r.UTMExclude = commaList(value)
	case FlagRulesNoEmployees:
		r.ExcludeEmployees = commaList(value)
	case FlagRulesNoGroups:
		r.ExcludeGroups = commaList(value)
	default:
		return false, nil
	}
	return true, nil
}

// get returns one rule as its flag would take it.
func (r Rules) get(flag string) (string, bool) {
	switch flag {
	case FlagRulesDirections:
		var d []string
		if r.Inbound {
			d = append(d, "inbound")
		}
		if r.Outbound {
			d = append(d, "outbound")
		}
		return strings.Join(d, ","), true
	case FlagRulesLines:
		if r.Lines == LinesList {
			return strings.Join(r.LineList, ","), true
		}
		return string(r.Lines), true
	case FlagRulesAnswered:
		return strconv.FormatBool(r.AnsweredOnly), true
	case FlagRulesMinTalk:
		return strconv.Itoa(r.MinTalk), true
	case FlagRulesHours:
		if !r.Hours.On {
			return "off", true
		}
		return strings.TrimSpace(r.Hours.From + "-" + r.Hours.To + " " + r.Hours.Zone), true
	case FlagRulesUTMInclude:
		return strings.Join(r.UTMInclude, ","), true
	case FlagRulesUTMExclude:
		return strings.Join(r.UTMExclude, ","), true
	case FlagRulesNoEmployees:
		return strings.Join(r.ExcludeEmployees, ","), true
	case FlagRulesNoGroups:
		return strings.Join(r.ExcludeGroups, ","), true
	}
	return "", false
}
