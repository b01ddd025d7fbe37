package mapping

import (
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
)

// TestPrepare: a stored call is re-read from its raw webhook (calltracking
// only), mapped and validated; a call that cannot be sent says why, and
// keeps its mapped request when the mapping got that far.
func TestPrepare(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	good := `{"callId":"MG-1","dateStart":"2026-11-20T07:00Z","dateEnd":"2026-11-20T07:03Z","recordUrl":"https://r.test/1.mp3"}`
	raw := `{"method":"GET","query":"callId=RAW-1&dateStart=2026-11-20T07:00Z&dateEnd=2026-11-20T07:03Z&recordUrl=https%3A%2F%2Fr.test%2F2.mp3"}`
	cases := []struct {
		name     string
		call     calls.Call
		linkReq  bool
		tqmID    string // "" = a problem is expected
		problem  string // code of the problem, when known
		request  bool   // the mapped request is kept
		reparsed bool   // the call's parameters were read again from Raw
	}{
		{"valid call", calls.Call{Source: calls.SourceCalltracking, Params: good}, true, "MG-1", "", true, false},
		{"parameters unreadable", calls.Call{Source: calls.SourceCalltracking, Params: "not json"}, false, "", calls.CodeParamsUnreadable, false, false},
		{"link required but missing", calls.Call{Source: calls.SourceCalltracking,
			Params: strings.Replace(good, `"recordUrl"`, `"other"`, 1)}, true, "", "", true, false},
		{"invalid calltracking call mapped from its raw webhook", calls.Call{Source: calls.SourceCalltracking, Raw: raw, Params: "{}"},
			true, "RAW-1", "", true, true},
		{"a VPBX call is not re-read", calls.Call{Source: calls.SourceVPBX, Raw: raw, Params: "{}"}, true, "", "", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, problem := Prepare(Default(), tc.call, PrepareOptions{Now: now, FileLinkRequired: tc.linkReq})
			if tc.tqmID != "" {
				if !problem.IsZero() || p.TQMID != tc.tqmID || len(p.Fields) == 0 {
					t.Fatalf("Prepare = %+v, %v; want id %q and no problem", p, problem.English(), tc.tqmID)
				}
			} else if problem.IsZero() || tc.problem != "" && problem.Code != tc.problem || p.Fields != nil {
				t.Fatalf("Prepare = %+v, problem %q; want a problem %q and no fields", p, problem.Code, tc.problem)
			}
			if (p.Request != "") != tc.request {
				t.Errorf("request %q, want kept: %v", p.Request, tc.request)
			}
			if got := strings.Contains(p.Call.Params, "RAW-1"); got != tc.reparsed {
				t.Errorf("params %q, want re-read from the raw webhook: %v", p.Call.Params, tc.reparsed)
			}
		})
	}
}
