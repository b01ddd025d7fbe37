package mangocall_test

import (
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
)

func TestStatsRow(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		row      vpbx.StatsRow
		skip     string
		caller   string
		operator string
	}{
		{"answered inbound with a recording", vpbx.StatsRow{EntryID: "A", FromNumber: "79161234567", ToExtension: "101",
			Start: t0, Answer: t0.Add(5 * time.Second), Finish: t0.Add(time.Minute), Records: []string{"r1", "r2"}}, "", "79161234567", "101"},
		{"outbound", vpbx.StatsRow{EntryID: "B", FromExtension: "102", ToNumber: "74951112233",
			Start: t0, Answer: t0.Add(5 * time.Second), Finish: t0.Add(time.Minute), Records: []string{"r"}}, "", "74951112233", "102"},
		{"internal", vpbx.StatsRow{EntryID: "C", FromExtension: "101", ToExtension: "102",
			Start: t0, Answer: t0, Finish: t0.Add(time.Minute), Records: []string{"r"}}, "internal call between employees: not sent to TQM", "101", "102"},
		{"missed", vpbx.StatsRow{EntryID: "D", FromNumber: "79161234567", ToExtension: "101", Start: t0, Finish: t0.Add(20 * time.Second)},
			"missed call: there was no conversation, so Mango has no recording", "79161234567", "101"},
		{"too short", vpbx.StatsRow{EntryID: "E", FromNumber: "79161234567", ToExtension: "101", Start: t0,
			Answer: t0.Add(time.Second), Finish: t0.Add(4 * time.Second)}, "Mango does not record calls shorter than ~6 s", "79161234567", "101"},
		{"answered without a recording yet", vpbx.StatsRow{EntryID: "F", FromNumber: "79161234567", ToExtension: "101", Start: t0,
			Answer: t0.Add(time.Second), Finish: t0.Add(time.Minute)}, "", "79161234567", "101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := mangocall.StatsRow(tc.row, calls.SourceBackfill)
			if !ok || c.Skip.English() != tc.skip || c.Caller != tc.caller || c.Operator != tc.operator ||
				c.Source != calls.SourceBackfill || c.CallID != tc.row.EntryID || !c.Started.Equal(t0) ||
				len(c.Records) != len(tc.row.Records) {
				t.Fatalf("StatsRow = %+v, %v", c, ok)
			}
			if calls.EntryIDOf(c.Source, c.CallID, c.Params) != tc.row.EntryID {
				t.Errorf("entry id not found in %s", c.Params)
			}
		})
	}
	if _, ok := mangocall.StatsRow(vpbx.StatsRow{FromNumber: "1"}, calls.SourceReconcile); ok {
		t.Error("a row without entry id was taken")
	}
}
