package calls

import (
	"testing"
	"time"
)

// TestNext: every outcome a sender can report, at the start and at the end
// of the retry schedule, gives the status, the next try, the reasons and
// whether the try counts, as one table.
func TestNext(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	sched := Waits{time.Minute, time.Hour}
	p := Policy{Schedule: sched, RateLimitWait: 30 * time.Second}
	waitReason := NewReason(CodeNotYet, "every"+DurSuffix, "1m0s", "until", "10:30")
	noAnswer := NewReason(CodeNoAnswer, ArgError, "dial tcp: connection refused")
	type want struct {
		status    Status
		next      time.Duration // from now; -1: no next try
		counted   bool
		hold      time.Duration
		reason    string // code of Step.Reason ("" = none)
		lastError string // code of Step.LastError
		unknown   bool
	}
	cases := []struct {
		name  string
		tries int
		r     Result
		unprp bool
		want  want
	}{
		{"delivered", 1, Result{Outcome: OutcomeDelivered, HTTPStatus: 200}, false,
			want{StatusDelivered, -1, true, 0, "", "", false}},
		{"key rejected: queued now, not counted", 1, Result{Outcome: OutcomePaused, HTTPStatus: 401}, false,
			want{StatusQueued, 0, false, 0, "", CodeKeyRejected, false}},
		{"waiting: not counted", 1, Result{Outcome: OutcomeWaiting, Reason: waitReason, RetryAfter: time.Minute}, false,
			want{StatusRetrying, time.Minute, false, 0, "", CodeNotYet, false}},
		{"skipped", 1, Result{Outcome: OutcomeSkipped, Reason: NewReason(CodeShort)}, false,
			want{StatusSkipped, -1, true, 0, CodeShort, "", false}},
		{"attention from the sender: counted", 1, Result{Outcome: OutcomeAttention, Reason: NewReason(CodeNoLinkNoVPBX)}, false,
			want{StatusAttention, -1, true, 0, CodeNoLinkNoVPBX, CodeNoLinkNoVPBX, false}},
		{"attention before sending (mapping): not counted", 1, Result{Outcome: OutcomeAttention, Reason: NewReason(CodeMappingUnreadable, ArgError, "x")}, true,
			want{StatusAttention, -1, false, 0, CodeMappingUnreadable, CodeMappingUnreadable, false}},
		{"rejected by TQM", 1, Result{Outcome: OutcomeRejected, HTTPStatus: 400, Response: "bad id"}, false,
			want{StatusAttention, -1, true, 0, CodeRefused, CodeRefused, false}},
		{"429 without Retry-After: the policy's wait, not counted", 1, Result{Outcome: OutcomeRetry, HTTPStatus: 429}, false,
			want{StatusRetrying, 30 * time.Second, false, 30 * time.Second, "", CodeRateLimited, false}},
		{"429 with Retry-After, even at the last try", 3, Result{Outcome: OutcomeRetry, HTTPStatus: 429, RetryAfter: 2 * time.Minute}, false,
			want{StatusRetrying, 2 * time.Minute, false, 2 * time.Minute, "", CodeRateLimited, false}},
		{"500: the schedule's first wait", 1, Result{Outcome: OutcomeRetry, HTTPStatus: 500}, false,
			want{StatusRetrying, time.Minute, true, 0, "", CodeHTTPStatus, false}},
		{"503 with a longer Retry-After: TQM's wait, everyone holds", 1, Result{Outcome: OutcomeRetry, HTTPStatus: 503, RetryAfter: 5 * time.Minute}, false,
			want{StatusRetrying, 5 * time.Minute, true, 5 * time.Minute, "", CodeHTTPStatus, false}},
		{"503 with a shorter Retry-After: the schedule's wait", 2, Result{Outcome: OutcomeRetry, HTTPStatus: 503, RetryAfter: time.Second}, false,
			want{StatusRetrying, time.Hour, true, time.Second, "", CodeHTTPStatus, false}},
		{"no answer: its own reason", 2, Result{Outcome: OutcomeRetry, Reason: noAnswer}, false,
			want{StatusRetrying, time.Hour, true, 0, "", CodeNoAnswer, false}},
		{"schedule used up: failed", 3, Result{Outcome: OutcomeRetry, HTTPStatus: 502}, false,
			want{StatusFailed, -1, true, 0, CodeGaveUp, CodeHTTPStatus, false}},
		{"cut short by a stop", 1, Result{Outcome: OutcomeUnknown, Reason: noAnswer}, false,
			want{StatusRetrying, time.Minute, true, 0, "", CodeUnknownStopped, true}},
		{"cut short at the last try", 3, Result{Outcome: OutcomeUnknown, Reason: noAnswer}, false,
			want{StatusFailed, -1, true, 0, CodeGaveUp, CodeUnknownStopped, true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.CorrelationID = "corr"
			try := Try{Call: Call{Status: StatusSending, Attempts: tc.tries}, Started: now.Add(-time.Second),
				Request: `{"fields":[]}`, TQMID: "T1", Unprepared: tc.unprp, Result: tc.r}
			st, err := Next(try, p, now)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if st.Status != w.status || st.Counted != w.counted || st.Hold != w.hold || st.OutcomeUnknown != w.unknown {
				t.Fatalf("step %+v; want %+v", st, w)
			}
			if w.next < 0 && !st.NextAttempt.IsZero() || w.next >= 0 && !st.NextAttempt.Equal(now.Add(w.next)) {
				t.Errorf("next try %v, want now + %v", st.NextAttempt, w.next)
			}
			if st.Reason.Code != w.reason || st.LastError.Code != w.lastError {
				t.Errorf("reason %q, last error %q; want %q, %q", st.Reason.Code, st.LastError.Code, w.reason, w.lastError)
			}
			if (w.status == StatusDelivered) != st.Delivered.Equal(now) {
				t.Errorf("delivered at %v", st.Delivered)
			}
			a := st.Attempt
			if a.Outcome != tc.r.Outcome || a.HTTPStatus != tc.r.HTTPStatus || a.ErrorCoded.Code != tc.r.Reason.Code ||
				a.CorrelationID != "corr" || st.CorrelationID != "corr" || st.Request != try.Request || st.TQMID != "T1" {
				t.Errorf("attempt %+v, step %+v: the try is not recorded as it came", a, st)
			}
		})
	}
}

func TestNextRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		from Status
		o    Outcome
	}{
		{"a call that is not sending", StatusQueued, OutcomeDelivered},
		{"an unknown outcome", StatusSending, Outcome("bogus")},
	} {
		if _, err := Next(Try{Call: Call{Status: tc.from, Attempts: 1}, Result: Result{Outcome: tc.o}}, Policy{}, time.Now()); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestWaits(t *testing.T) {
	w := Waits{time.Second, time.Minute}
	for _, tc := range []struct {
		tries int
		wait  time.Duration
		again bool
	}{{0, time.Second, true}, {1, time.Second, true}, {2, time.Minute, true}, {3, 0, false}} {
		if d, ok := w.After(tc.tries); d != tc.wait || ok != tc.again {
			t.Errorf("After(%d) = %v, %v; want %v, %v", tc.tries, d, ok, tc.wait, tc.again)
		}
	}
	if d, ok := Svix.After(len(Svix)); !ok || d != 10*time.Hour {
		t.Errorf("Svix's last wait %v %v", d, ok)
	}
}
