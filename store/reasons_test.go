package store

import (
	"context"
	"testing"
	"time"

	"mangotqm/app/calls"
)

// Reasons are stored as codes with their English text; rows from before
// codes (text only) read back as calls.CodeLegacy with that text.
func TestReasonsStoredAsCodes(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	first, err := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "c1", Raw: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "c1", Raw: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := st.Get(ctx, dup.ID)
	if got.ReasonCoded.Code != calls.CodeDuplicate || got.ReasonCoded.Arg(calls.ArgOf) != "1" ||
		got.Reason != "duplicate of call #1" {
		t.Fatalf("duplicate: %q %+v", got.Reason, got.ReasonCoded)
	}

	c, ok, err := st.Claim(ctx)
	if err != nil || !ok || c.ID != first.ID {
		t.Fatalf("claim %v %v %+v", ok, err, c)
	}
	why := calls.NewReason(calls.CodeGaveUp, "tries", "9").With(calls.NewReason(calls.CodeHTTPStatus, "status", "503"))
	last := calls.NewReason(calls.CodeHTTPStatus, "status", "503")
	if err := st.Finish(ctx, c.ID, calls.Step{Attempt: calls.Attempt{Started: time.Now(), Outcome: calls.OutcomeRetry, ErrorCoded: last},
		Status: calls.StatusFailed, Reason: why, LastError: last, Counted: true}); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(ctx, c.ID)
	if got.Reason != "gave up after 9 tries: TQM answered HTTP 503" || got.ReasonCoded.Encode() != why.Encode() ||
		got.LastError != "TQM answered HTTP 503" || got.LastErrorCoded.Encode() != last.Encode() {
		t.Fatalf("failed call: %q %+v / %q %+v", got.Reason, got.ReasonCoded, got.LastError, got.LastErrorCoded)
	}
	atts, _ := st.Attempts(ctx, c.ID)
	if len(atts) != 1 || atts[0].Error != "TQM answered HTTP 503" || atts[0].ErrorCoded.Code != calls.CodeHTTPStatus {
		t.Fatalf("attempts %+v", atts)
	}

	// A row written by an older version: text only.
	if _, err := st.w.Exec(`UPDATE calls SET reason = 'old English text', reason_coded = '' WHERE id = ?`, c.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(ctx, c.ID)
	if got.ReasonCoded.Code != calls.CodeLegacy || got.ReasonCoded.Arg(calls.ArgText) != "old English text" {
		t.Fatalf("old row: %+v", got.ReasonCoded)
	}
}
