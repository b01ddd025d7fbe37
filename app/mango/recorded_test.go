package mango_test

import (
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
)

func TestFactsAndRecordingRule(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		call      calls.Call
		entry     string
		talk      time.Duration
		talkKnown bool
		end       time.Time
		rule      string // code of NoRecording, "" none
	}{
		{"vpbx answered", calls.Call{Source: calls.SourceVPBX, CallID: "E1", Started: t0,
			Params: `{"duration":"65","answered":"1","dateStart":"2026-05-01T10:00:00Z"}`}, "E1", 65 * time.Second, true, t0.Add(65 * time.Second), ""},
		{"vpbx missed", calls.Call{Source: calls.SourceVPBX, CallID: "E2", Started: t0,
			Params: `{"duration":"0","answered":"0"}`}, "E2", 0, true, t0, calls.CodeMissed},
		{"webhook too short, from dates", calls.Call{Source: calls.SourceCalltracking, CallID: "w",
			Params: `{"entry_id":"E3","date_start":"2026-05-01T10:00:00Z","dateEnd":"2026-05-01T10:00:04Z"}`}, "E3", 4 * time.Second, true, t0.Add(4 * time.Second), calls.CodeShort},
		{"webhook, talk unknown", calls.Call{Source: calls.SourceCalltracking, CallID: "w", Started: t0, Params: `{}`}, "", 0, false, t0, ""},
		{"exactly the minimum", calls.Call{Source: calls.SourceBackfill, CallID: "E4", Started: t0, Params: `{"duration":6}`}, "E4", mango.MinRecorded, true, t0.Add(mango.MinRecorded), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mango.FactsOf(tc.call, time.UTC)
			if f.EntryID != tc.entry || f.Talk != tc.talk || f.TalkKnown != tc.talkKnown || !f.End.Equal(tc.end) {
				t.Fatalf("facts = %+v", f)
			}
			if got := f.NoRecording().Code; got != tc.rule {
				t.Errorf("NoRecording = %q, want %q", got, tc.rule)
			}
			if short := tc.talkKnown && tc.talk < 6*time.Second; f.Short() != short {
				t.Errorf("Short = %v", f.Short())
			}
		})
	}
}
