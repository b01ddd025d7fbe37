package vm

import (
	"errors"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/reconcile"
	"mangotqm/store"
)

func TestGapText(t *testing.T) {
	from := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC) // 09:00 in Moscow
	to := from.Add(3 * time.Hour)
	gap := store.Gap{From: from, To: to, Cause: store.GapRestore}
	tests := []struct {
		name      string
		in        bridge.GapStatus
		key, data string // data: "From" or "New" value wanted
		value     float64
		busy      bool
	}{
		{name: "no gap", in: bridge.GapStatus{}},
		{name: "waiting for the key", in: bridge.GapStatus{Gap: gap, Open: true, NoVPBX: true},
			key: "ui.restore.gap_no_vpbx", data: "04.12.2026 09:00"},
		{name: "fetching", in: bridge.GapStatus{Gap: gap, Open: true, Running: true,
			Progress: reconcile.Progress{From: from, To: to, Chunks: 4, ChunksDone: 1}},
			key: "ui.restore.gap_running", data: "04.12.2026 09:00", value: 0.25, busy: true},
		{name: "failed, tried again later", in: bridge.GapStatus{Gap: gap, Open: true, Err: errors.New("boom")},
			key: "ui.restore.gap_failed", data: "04.12.2026 09:00"},
		{name: "done", in: bridge.GapStatus{Gap: gap, Closed: true, Progress: reconcile.Progress{New: 7, Known: 2, Done: true}},
			key: "ui.restore.gap_done", value: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GapText(tt.in)
			if got.Key != tt.key || got.Value != tt.value || got.Busy != tt.busy {
				t.Fatalf("got %+v", got)
			}
			if tt.data != "" && got.Data["From"] != tt.data {
				t.Fatalf("From %v, want %s", got.Data["From"], tt.data)
			}
			if tt.key == "ui.restore.gap_done" && (got.Data["New"] != 7 || got.Data["Known"] != 2) {
				t.Fatalf("counts %v", got.Data)
			}
		})
	}
}
