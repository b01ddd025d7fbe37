package vm

import (
	"context"
	"fmt"

	"mangotqm/app/bridge"
)

// ChartDays is how many days the main window's chart shows.
const ChartDays = 14

// Chart is the main window's small chart: calls per day, delivered and
// not delivered for a problem, oldest day first.
type Chart struct {
	Days []ChartDay
	Max  int // the tallest day's total (at least 1: bars scale by it)
}

// ChartDay is one bar.
type ChartDay struct {
	Label     string // 25.11
	Total     int
	Delivered int
	Failed    int
	Today     bool
}

// LoadChart reads the last ChartDays days.
func LoadChart(ctx context.Context, b CallLog) (Chart, error) {
	days, err := b.DailyCounts(ctx, ChartDays)
	if err != nil {
		return Chart{}, fmt.Errorf("load daily counts: %w", err)
	}
	return ChartOf(days), nil
}

// ChartOf turns the daily counts into bars.
func ChartOf(days []bridge.DayCount) Chart {
	c := Chart{Max: 1}
	for i, d := range days {
		c.Days = append(c.Days, ChartDay{Label: d.Day.Format("02.01"), Total: d.Total, Delivered: d.Delivered,
			Failed: d.Failed, Today: i == len(days)-1})
		c.Max = max(c.Max, d.Total)
	}
	return c
}

// Yesterday is the day before today (zero when the chart is shorter).
func (c Chart) Yesterday() ChartDay {
	if len(c.Days) < 2 {
		return ChartDay{}
	}
	return c.Days[len(c.Days)-2]
}
