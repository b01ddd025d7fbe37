package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
)

// An idle reload leaves what the window shows alone (no redraw); a change,
// a request (filter, selection, action, tour) or the minute's full reload
// shows the data again. "marker" stands for a widget left as it was drawn.
func TestReloadAppliesOnlyWhatChanged(t *testing.T) {
	for _, tc := range []struct {
		name    string
		between func(m *mainWindow) // after the marker is set, before the reload
		applied bool
	}{
		{"nothing changed", func(*mainWindow) {}, false},
		{"a request", func(m *mainWindow) { m.requestRefresh() }, true},
		{"a minute passed", func(m *mainWindow) { m.shown.at = time.Now().Add(-2 * fullEvery) }, true},
		{"the counts changed", func(m *mainWindow) {
			m.b.(interface{ SetCounts(calls.Counts) }).SetCounts(calls.Counts{DeliveredToday: 7, Total: 7})
		}, true},
		{"delivery paused", func(m *mainWindow) {
			if err := m.b.(interface {
				SetPaused(context.Context, bool) error
			}).SetPaused(context.Background(), true); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newFakeWindow(t)
			m.refresh() // the first reload applies everything
			m.refresh()
			m.counts.SetText("marker")
			tc.between(m)
			m.refresh()
			if got := m.counts.Text != "marker"; got != tc.applied {
				t.Fatalf("header applied = %v, want %v (counts line %q)", got, tc.applied, m.counts.Text)
			}
		})
	}
}

// The minute's full reload: due at first, then not within fullEvery.
func TestShownStateStale(t *testing.T) {
	var s shownState
	now := time.Now()
	for i, c := range []struct {
		at   time.Time
		want bool
	}{
		{now, true},
		{now.Add(time.Second), false},
		{now.Add(fullEvery - time.Second), false},
		{now.Add(fullEvery), true},
		{now.Add(fullEvery + time.Second), false},
	} {
		if got := s.stale(c.at); got != c.want {
			t.Fatalf("step %d: stale = %v, want %v", i, got, c.want)
		}
	}
}

// The window's waits run on the UI's clock: with the clock standing still
// nothing is due; once it passes the safety net (and the coalescing pause)
// the window reloads without any event.
func TestSafetyNetReloadRunsOnTheUIClock(t *testing.T) {
	m, f := newFakeWindow(t)
	clk := clocktest.NewManual(time.Date(2026, 12, 4, 12, 0, 0, 0, time.Local))
	m.u.clock = clk
	m.refresh()
	m.counts.SetText("marker")
	f.SetCounts(calls.Counts{DeliveredToday: 7, Total: 7}) // publishes no event
	go m.loop()
	eventually(t, "the loop waits for the safety net and the settle timer", func() bool { return clk.Waiting() == 2 })
	m.u.flush()
	if m.counts.Text != "marker" {
		t.Fatalf("the window reloaded before the clock moved: %q", m.counts.Text)
	}
	clk.Advance(safetyReload)
	eventually(t, "the safety-net reload shows the new counts", func() bool {
		clk.Advance(10 * time.Millisecond) // the coalescing pause ends on this clock too
		m.u.flush()
		return m.counts.Text != "marker"
	})
}

// The «Скопировано» label goes back to «Копировать» after 2 s on the UI's
// clock.
func TestCopyButtonResetsOnTheUIClock(t *testing.T) {
	m, _ := newFakeWindow(t)
	clk := clocktest.NewManual(time.Date(2026, 12, 4, 12, 0, 0, 0, time.Local))
	m.u.clock = clk
	m.refresh()
	test.Tap(m.copyBtn)
	copied, copyText := m.tr.T("ui.action.copied"), m.tr.T("ui.action.copy")
	if m.copyBtn.Text != copied {
		t.Fatalf("button %q after Copy, want %q", m.copyBtn.Text, copied)
	}
	eventually(t, "the reset waits on the clock", func() bool { return clk.Waiting() == 1 })
	clk.Advance(2*time.Second - time.Millisecond)
	m.u.flush()
	if m.copyBtn.Text != copied {
		t.Fatalf("button %q before 2 s passed", m.copyBtn.Text)
	}
	clk.Advance(time.Millisecond)
	eventually(t, "the button reads «Копировать» again", func() bool {
		m.u.flush()
		return m.copyBtn.Text == copyText
	})
}
