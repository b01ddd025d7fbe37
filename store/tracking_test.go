package store

import (
	"context"
	"testing"

	"mangotqm/app/calls"
)

func TestSkippedByRuleAndTrackingNumbers(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	rule := calls.NewReason(calls.CodeRuleMissed)
	sent, err := st.Intake(ctx, NewCall{Source: calls.SourceCalltracking, CallID: "a", Params: "{}", TrackingNumber: "+7 (495) 111-22-33"})
	if err != nil {
		t.Fatal(err)
	}
	skipped, err := st.Intake(ctx, NewCall{Source: calls.SourceCalltracking, CallID: "b", Params: "{}", Skip: rule, TrackingNumber: "84951112233"})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := st.Intake(ctx, NewCall{Source: calls.SourceCalltracking, CallID: "b", Params: "{}", Skip: rule})
	if err != nil {
		t.Fatal(err)
	}
	// Skipped for another reason: not listed as skipped by rule.
	if _, err := st.IntakeJoin(ctx, NewCall{Source: calls.SourceVPBX, CallID: "c", Params: "{}"},
		IntakeOptions{Skip: calls.NewReason(calls.CodeInternal)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		row    int64
		status calls.Status
		code   string
	}{
		{sent.ID, calls.StatusQueued, ""},
		{skipped.ID, calls.StatusSkipped, calls.CodeRuleMissed},
		{dup.ID, calls.StatusDuplicate, calls.CodeDuplicate},
	} {
		c, err := st.Get(ctx, tc.row)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != tc.status || c.ReasonCoded.Code != tc.code {
			t.Errorf("row %d = %s %q, want %s %q", tc.row, c.Status, c.ReasonCoded.Code, tc.status, tc.code)
		}
		if tc.status == calls.StatusSkipped && !c.NextAttempt.IsZero() {
			t.Errorf("row %d skipped but due at %v", tc.row, c.NextAttempt)
		}
	}
	byRule, err := st.List(ctx, calls.Filter{ByRule: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(byRule) != 1 || byRule[0].ID != skipped.ID {
		t.Fatalf("calls skipped by rule = %+v, want only row %d", byRule, skipped.ID)
	}
	// One number learned twice (two spellings), counted twice.
	nums, err := st.TrackingNumbers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nums) != 1 || nums[0].Calls != 2 || nums[0].Manual || nums[0].Number != "+7 (495) 111-22-33" {
		t.Fatalf("tracking numbers = %+v, want the one learned twice", nums)
	}
	// Edited: one added by hand, the learned one removed.
	if err := st.SetTrackingNumbers(ctx, []string{"74952223344"}); err != nil {
		t.Fatal(err)
	}
	nums, _ = st.TrackingNumbers(ctx)
	if len(nums) != 1 || !nums[0].Manual || nums[0].Number != "74952223344" {
		t.Fatalf("after the edit = %+v", nums)
	}
	if err := st.SetTrackingNumbers(ctx, []string{"abc"}); err == nil {
		t.Fatal("a number that is not a phone number was taken")
	}
}
