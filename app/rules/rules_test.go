package rules_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/rules"
)

var msk = time.FixedZone("MSK", 3*3600)

// at is 2026-12-01 (a Tuesday) hh:mm Moscow time.
func at(hh, mm int) time.Time { return time.Date(2026, 12, 1, hh, mm, 0, 0, msk) }

const tracking = "74951112233"

// webhook is a calltracking "call end" webhook as the receiver stores it.
func webhook(t *testing.T, q url.Values) rules.Call {
	t.Helper()
	if q.Get("callId") == "" {
		q.Set("callId", "ct-1")
	}
	if q.Get("dateStart") == "" {
		q.Set("dateStart", at(10, 0).UTC().Format(time.RFC3339))
		q.Set("dateEnd", at(10, 5).UTC().Format(time.RFC3339))
	}
	c, err := mango.Parse(mango.Request{Method: "GET", Query: q.Encode()}, msk)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c.Params)
	return rules.FromStored(calls.SourceCalltracking, string(b), c.Start)
}

// summary is a VPBX events/summary as app/vpbxevents stores it.
func summary(t *testing.T, dir int, line string, talk time.Duration, start time.Time) rules.Call {
	t.Helper()
	ev := &vpbx.SummaryEvent{EntryID: "e-1", CallDirection: dir, LineNumber: line, CreateTime: start,
		EndTime: start.Add(talk + 10*time.Second), From: vpbx.Party{Number: "79161234567"}, To: vpbx.Party{Extension: "101", Number: "sip:101"}}
	if dir == vpbx.DirectionOutbound {
		ev.From, ev.To = vpbx.Party{Extension: "102"}, vpbx.Party{Number: "79161234567"}
	}
	if talk > 0 {
		ev.EntryResult, ev.TalkTime = 1, start.Add(10*time.Second)
	}
	nc, _, invalid := mangocall.Summary(ev)
	if !invalid.IsZero() {
		t.Fatal(invalid.English())
	}
	return rules.FromStored(nc.Source, nc.Params, nc.Started)
}

// row is a row of Mango's basic statistics as reconcile (or backfill, or
// the poll road) stores it.
func row(t *testing.T, src calls.Source, from, to, line string, talk time.Duration, start time.Time) rules.Call {
	t.Helper()
	r := vpbx.StatsRow{EntryID: "e-2", Start: start, Finish: start.Add(talk + 10*time.Second), LineNumber: line,
		FromNumber: "79161234567", ToNumber: "79160000000", Records: []string{"rec"}}
	if from != "" {
		r.FromExtension, r.FromNumber = from, ""
	}
	if to != "" {
		r.ToExtension = to
	}
	if talk > 0 {
		r.Answer = start.Add(10 * time.Second)
	}
	mc, ok := mangocall.StatsRow(r, src)
	if !ok {
		t.Fatal("no call from the row")
	}
	return rules.FromStored(mc.Source, mc.Params, mc.Started)
}

func TestDecideOverEveryRoad(t *testing.T) {
	def := config.DefaultRules()
	known := rules.NewTracking("+7 (495) 111-22-33")
	withOutbound := def
	withOutbound.Outbound = true
	allLines := def
	allLines.Lines = config.LinesAll
	list := def
	list.Lines, list.LineList = config.LinesList, []string{"8 495 999-00-00"}
	minTalk := def
	minTalk.MinTalk = 30
	hours := def
	hours.Hours = config.WorkHours{On: true, From: "09:00", To: "18:00", Days: []int{1, 2, 3, 4, 5}}
	hoursYekt := hours
	hoursYekt.Hours.Zone = "Asia/Yekaterinburg" // UTC+5: 10:00 Moscow is 12:00 there
	hoursYekt.Hours.From, hoursYekt.Hours.To = "11:00", "18:00"
	utmIn := def
	utmIn.UTMInclude = []string{"yandex"}
	utmOut := def
	utmOut.UTMExclude = []string{"google"}
	noEmployee := def
	noEmployee.ExcludeEmployees = []string{"101"}
	noGroup := def
	noGroup.ExcludeGroups = []string{"Бухгалтерия"}
	everything := def
	everything.AnsweredOnly = false

	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name     string
		rules    config.Rules
		tracking rules.Tracking
		call     func(t *testing.T) rules.Call
		want     string // reason code, "" = sent
	}{
		// Calltracking webhooks: tracking-line calls by definition; they
		// pass the defaults as they always did.
		{"webhook answered", def, known, func(t *testing.T) rules.Call {
			return webhook(t, q("number", tracking, "duration", "120", "callStatus", "1110"))
		}, ""},
		{"webhook without number or duration", def, nil, func(t *testing.T) rules.Call { return webhook(t, q()) }, ""},
		{"webhook on a number not learned yet", def, known, func(t *testing.T) rules.Call {
			return webhook(t, q("number", "74950000000", "duration", "5"))
		}, ""},
		{"webhook missed", def, known, func(t *testing.T) rules.Call {
			return webhook(t, q("number", tracking, "duration", "0", "callStatus", "1111"))
		}, rules.CodeMissed},
		{"webhook missed, answered-only off", everything, known, func(t *testing.T) rules.Call {
			return webhook(t, q("number", tracking, "duration", "0"))
		}, ""},
		{"webhook short", minTalk, known, func(t *testing.T) rules.Call {
			return webhook(t, q("duration", "12"))
		}, rules.CodeShort},
		{"webhook utm included", utmIn, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("utm_source", "Yandex", "duration", "40"))
		}, ""},
		{"webhook utm not included", utmIn, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("utmSource", "google", "duration", "40"))
		}, rules.CodeUTM},
		{"webhook utm excluded", utmOut, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("utm_source", "google", "duration", "40"))
		}, rules.CodeUTM},
		{"webhook group excluded", noGroup, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("lastGroup", "бухгалтерия", "duration", "40"))
		}, rules.CodeGroup},
		{"webhook at night", hours, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("dateStart", at(22, 30).UTC().Format(time.RFC3339), "dateEnd", at(22, 35).UTC().Format(time.RFC3339), "duration", "40"))
		}, rules.CodeHours},
		{"webhook in hours", hours, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("duration", "40"))
		}, ""},
		{"webhook in hours of the rules' own zone", hoursYekt, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("duration", "40")) // 10:00 MSK = 12:00 Yekaterinburg
		}, ""},
		{"webhook before hours of the rules' own zone", hoursYekt, nil, func(t *testing.T) rules.Call {
			return webhook(t, q("dateStart", at(8, 30).UTC().Format(time.RFC3339), "dateEnd", at(8, 35).UTC().Format(time.RFC3339), "duration", "40"))
		}, rules.CodeHours},

		// VPBX events.
		{"vpbx inbound answered on the tracking line", def, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, "+74951112233", time.Minute, at(11, 0))
		}, ""},
		{"vpbx inbound on another line", def, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, "74959990000", time.Minute, at(11, 0))
		}, rules.CodeLine},
		{"vpbx another line, no tracking number known", def, nil, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, "74959990000", time.Minute, at(11, 0))
		}, ""},
		{"vpbx another line, all lines", allLines, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, "74959990000", time.Minute, at(11, 0))
		}, ""},
		{"vpbx line in the list", list, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, "74959990000", time.Minute, at(11, 0))
		}, ""},
		{"vpbx tracking line not in the list", list, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, tracking, time.Minute, at(11, 0))
		}, rules.CodeLine},
		{"vpbx outbound", def, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionOutbound, tracking, time.Minute, at(11, 0))
		}, rules.CodeOutbound},
		{"vpbx outbound allowed", withOutbound, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionOutbound, tracking, time.Minute, at(11, 0))
		}, ""},
		{"vpbx internal never", withOutbound, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInternal, tracking, time.Minute, at(11, 0))
		}, calls.CodeInternal},
		{"vpbx missed", def, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, tracking, 0, at(11, 0))
		}, rules.CodeMissed},
		{"vpbx short", minTalk, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, tracking, 20*time.Second, at(11, 0))
		}, rules.CodeShort},
		{"vpbx long enough", minTalk, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, tracking, 30*time.Second, at(11, 0))
		}, ""},
		{"vpbx employee excluded", noEmployee, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, tracking, time.Minute, at(11, 0))
		}, rules.CodeEmployee},
		{"vpbx on a Saturday", hours, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, tracking, time.Minute, at(11, 0).AddDate(0, 0, 4))
		}, rules.CodeHours},
		{"vpbx utm rules do not apply", utmIn, known, func(t *testing.T) rules.Call {
			return summary(t, vpbx.DirectionInbound, tracking, time.Minute, at(11, 0))
		}, ""},

		// Statistics rows: reconcile, backfill (the poll road stores the same rows).
		{"reconcile inbound answered tracking", def, known, func(t *testing.T) rules.Call {
			return row(t, calls.SourceReconcile, "", "101", tracking, time.Minute, at(12, 0))
		}, ""},
		{"reconcile other line", def, known, func(t *testing.T) rules.Call {
			return row(t, calls.SourceReconcile, "", "101", "74959990000", time.Minute, at(12, 0))
		}, rules.CodeLine},
		{"reconcile outbound", def, known, func(t *testing.T) rules.Call {
			return row(t, calls.SourceReconcile, "102", "", tracking, time.Minute, at(12, 0))
		}, rules.CodeOutbound},
		{"backfill missed", def, known, func(t *testing.T) rules.Call {
			return row(t, calls.SourceBackfill, "", "101", tracking, 0, at(12, 0))
		}, rules.CodeMissed},
		{"backfill internal", everything, known, func(t *testing.T) rules.Call {
			return row(t, calls.SourceBackfill, "101", "102", tracking, time.Minute, at(12, 0))
		}, calls.CodeInternal},
		{"backfill missed, answered-only off", everything, known, func(t *testing.T) rules.Call {
			return row(t, calls.SourceBackfill, "", "101", tracking, 0, at(12, 0))
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rules.Decide(tc.rules, tc.tracking, tc.call(t), msk)
			if got.Code != tc.want {
				t.Fatalf("Decide = %q (%s), want %q", got.Code, got.English(), tc.want)
			}
			if tc.want != "" && got.English() == "" {
				t.Fatal("a skip without a text")
			}
		})
	}
}
