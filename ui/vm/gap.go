package vm

import (
	"mangotqm/app/bridge"
	"mangotqm/app/calls"
)

// GapLine is what the window says about the period a restore or salvage
// may have left without calls (bridge.GapStatus): its i18n key and data,
// and the progress bar's value.
type GapLine struct {
	Key   string // "" when there is no gap to speak of
	Data  map[string]any
	Value float64
	Busy  bool // the calls are being fetched
}

// GapText renders a GapStatus.
func GapText(s bridge.GapStatus) GapLine {
	to := s.Gap.To
	if !s.Progress.To.IsZero() {
		to = s.Progress.To
	}
	period := map[string]any{
		"From": s.Gap.From.In(calls.Moscow()).Format("02.01.2006 15:04"),
		"To":   to.In(calls.Moscow()).Format("02.01.2006 15:04"),
	}
	switch {
	case s.Closed:
		return GapLine{Key: "ui.restore.gap_done", Data: ProgressData(s.Progress), Value: 1}
	case !s.Open:
		return GapLine{}
	case s.NoVPBX:
		return GapLine{Key: "ui.restore.gap_no_vpbx", Data: period}
	case s.Err != nil && !s.Running:
		period["Error"] = s.Err.Error()
		return GapLine{Key: "ui.restore.gap_failed", Data: period, Value: ProgressValue(s.Progress)}
	default:
		return GapLine{Key: "ui.restore.gap_running", Data: period, Value: ProgressValue(s.Progress), Busy: true}
	}
}
