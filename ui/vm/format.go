package vm

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
)

// FormatPhone shows a Russian number as +7 (495) 137-07-10; 8… and 7…
// with eleven digits and ten-digit numbers are Russian. Anything else
// (short extensions, foreign numbers, SIP addresses) is shown as received.
func FormatPhone(s string) string {
	s = strings.TrimSpace(s)
	var d []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == '+' || c == ' ' || c == '(' || c == ')' || c == '-':
		default:
			return s // letters, "sip:", "@": not a phone number
		}
	}
	switch {
	case len(d) == 11 && (d[0] == '7' || d[0] == '8'):
		d = d[1:]
	case len(d) == 10 && d[0] != '7' && d[0] != '8':
	default:
		return s
	}
	n := string(d)
	return "+7 (" + n[:3] + ") " + n[3:6] + "-" + n[6:8] + "-" + n[8:]
}

// FormatDuration renders a short time span in the user's language:
// «0 с», «1 мс», «850 мс», «1,2 с», «2 мин 5 с». t renders the unit keys
// ui.unit.ms/s/min and the decimal separator ui.unit.decimal.
func FormatDuration(d time.Duration, t Translate) string {
	unit := func(k string) string { return t.or("ui.unit." + k) }
	switch {
	case d <= 0:
		return "0 " + unit("s")
	case d < time.Second:
		ms := int64(math.Round(float64(d) / float64(time.Millisecond)))
		if ms == 0 {
			ms = 1
		}
		if ms == 1000 {
			return "1 " + unit("s")
		}
		return strconv.FormatInt(ms, 10) + " " + unit("ms")
	case d < 10*time.Second:
		tenths := int64(math.Round(float64(d) / float64(100*time.Millisecond)))
		s := strconv.FormatInt(tenths/10, 10)
		if tenths%10 != 0 {
			s += unit("decimal") + strconv.FormatInt(tenths%10, 10)
		}
		return s + " " + unit("s")
	case d < time.Minute:
		return strconv.FormatInt(int64(math.Round(d.Seconds())), 10) + " " + unit("s")
	}
	sec := int64(math.Round(d.Seconds()))
	out := strconv.FormatInt(sec/60, 10) + " " + unit("min")
	if sec%60 != 0 {
		out += " " + strconv.FormatInt(sec%60, 10) + " " + unit("s")
	}
	return out
}

// CallSeconds is the call's length: Mango's duration when it sent one,
// else the time between its start and end dates (0 when unknown).
func CallSeconds(c calls.Call) int64 {
	if c.Duration > 0 {
		return c.Duration
	}
	if c.Params == "" {
		return 0
	}
	var p mango.Params
	if err := json.Unmarshal([]byte(c.Params), &p); err != nil {
		return 0
	}
	// Both dates are read in the same zone, so the zone does not change
	// the difference.
	start, err1 := mango.ParseDate(p.Get(mango.AliasDateStart...), time.UTC)
	end, err2 := mango.ParseDate(p.Get(mango.AliasDateEnd...), time.UTC)
	if err1 != nil || err2 != nil || !end.After(start) {
		return 0
	}
	return int64(end.Sub(start).Round(time.Second) / time.Second)
}

// FormatCallLength is m:ss (h:mm:ss past an hour).
func FormatCallLength(sec int64) string {
	if sec >= 3600 {
		return strconv.FormatInt(sec/3600, 10) + ":" + pad2(sec%3600/60) + ":" + pad2(sec%60)
	}
	return strconv.FormatInt(sec/60, 10) + ":" + pad2(sec%60)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
