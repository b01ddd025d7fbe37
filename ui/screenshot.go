//go:build tour

package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/calls"
	"mangotqm/app/demo"
	"mangotqm/app/secrets"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
)

// The screenshot tour (demo mode, MANGOTQM_SCREENSHOT=<folder>, optionally
// MANGOTQM_SCREENSHOT_SCENES=<name,name>): the app
// goes through the scenes the screenshot test photographs — the main window
// after each kind of simulated call, the details of a failed call, «Данные
// Mango», the mapping editor, the settings, every wizard page. For each
// scene it waits until the window shows what the scene is about, checks
// that nothing it can measure is cut off, writes <name>.txt (what it shows)
// and <name>.ready, and waits for the test to photograph the X display and
// write <name>.taken (the GL canvas cannot read its own front buffer under
// software rendering). Then it writes tour.done and quits. A failure is
// written to tour.err.

type scene struct {
	name string
	// setup runs on the UI goroutine (may be nil).
	setup func() error
	// ready polls (off the UI goroutine) until the scene shows its point.
	ready func() bool
	// check runs on the UI goroutine once ready: what it measures.
	check func() error
}

func (u *UI) takeScreenshot() {
	err := u.tour()
	if err != nil {
		u.log.Error("screenshot tour failed", "err", err)
		_ = os.WriteFile(filepath.Join(u.screenshot, "tour.err"), []byte(err.Error()), 0o644)
		u.exitCode = 1
	} else {
		_ = os.WriteFile(filepath.Join(u.screenshot, "tour.done"), nil, 0o644)
	}
	fyne.Do(u.app.Quit)
}

func (u *UI) tour() error {
	if err := os.MkdirAll(u.screenshot, 0o755); err != nil {
		return err
	}
	if err := poll(30*time.Second, func() bool { return len(u.bridge.Endpoints()) > 0 }); err != nil {
		return fmt.Errorf("receiver did not start: %w", err)
	}
	sim, ok := u.bridge.(vm.ScenarioSimulator)
	if !ok {
		return errors.New("screenshots are taken in demo mode")
	}
	m := u.main
	rows := map[demo.Scenario]int64{}
	simulate := func(s demo.Scenario) func() error {
		return func() error {
			row, err := sim.SimulateScenario(context.Background(), s)
			rows[s] = row
			return err
		}
	}
	shows := func(s demo.Scenario, status calls.Status) func() bool {
		return func() bool { return u.rowShows(rows[s], status) }
	}
	var wiz *wizard
	scenes := []scene{
		{name: "main-1-normal", setup: simulate(demo.ScenarioNormal), ready: shows(demo.ScenarioNormal, calls.StatusDelivered),
			check: m.checkNotClipped},
		{name: "main-2-retry", setup: simulate(demo.ScenarioRetry), ready: shows(demo.ScenarioRetry, calls.StatusRetrying)},
		{name: "main-3-attention", setup: simulate(demo.ScenarioAttention), ready: shows(demo.ScenarioAttention, calls.StatusAttention)},
		{name: "main-4-invalid", setup: simulate(demo.ScenarioInvalid), ready: shows(demo.ScenarioInvalid, calls.StatusInvalid)},
		{name: "main-5-failed", setup: simulate(demo.ScenarioFailed), ready: shows(demo.ScenarioFailed, calls.StatusFailed),
			check: m.checkNotClipped},
		{name: "details-failed", setup: func() error { return m.selectRow(rows[demo.ScenarioFailed]) },
			ready: func() bool {
				return u.onUIText(func() string { return m.tries.Text }) != "" &&
					strings.Count(u.onUIText(func() string { return m.tries.Text }), "HTTP 503") == len(demo.Schedule)+1
			}},
		{name: "details-mango-data", setup: func() error {
			if err := m.selectRow(rows[demo.ScenarioNormal]); err != nil {
				return err
			}
			m.tabs.SelectIndex(2)
			return nil
		}, ready: func() bool {
			return u.onUIText(func() string {
				return fmt.Sprint(m.details.Row.ID == rows[demo.ScenarioNormal] && len(m.fields.Items) > 0)
			}) == "true"
		}},
		{name: "details-mango-raw", setup: func() error { m.toggleRaw(); return nil },
			ready: func() bool { return u.onUIText(func() string { return m.raw.Text }) != "" }},
		{name: "details-request", setup: func() error { m.toggleRaw(); m.tabs.SelectIndex(1); return nil },
			ready: func() bool { return u.onUIText(func() string { return m.requestZone.Text }) != "" }},
		{name: "resend-delivered-confirm", setup: func() error { m.tabs.SelectIndex(0); m.resendSelected(); return nil },
			ready: func() bool { return u.onUIText(func() string { return fmt.Sprint(m.confirm != nil) }) == "true" }},
		{name: "mapping-editor", setup: func() error {
			m.confirm.Hide()
			u.tourMapping = newMappingEditor(u, m.b)
			u.tourMapping.w.Show()
			return nil
		}, ready: func() bool {
			return strings.Contains(u.onUIText(func() string { return u.tourMapping.preview.Text }), "(id)")
		}, check: func() error { return u.tourMapping.checkNotClipped() }},
		{name: "settings-demo", setup: func() error { u.tourMapping.w.Close(); showSettings(u); return nil },
			ready: func() bool { return u.onUIText(func() string { return fmt.Sprint(u.settingsWin != nil) }) == "true" }},
		{name: "settings-alerts", setup: u.tourAlertsTab, ready: func() bool { return true }},
	}
	scenes = append(scenes, u.roadScenes()...)  // screenshot_road.go
	scenes = append(scenes, u.rulesScenes()...) // ui/rules_tour.go
	scenes = append(scenes, u.deskScenes()...)  // ui/desk_tour.go
	// Every wizard page, over the demo's bridge with an in-memory keychain.
	wizPage := func(name string, f func()) scene {
		return scene{name: "wizard-" + name, setup: func() error { f(); return nil }, ready: func() bool { return true }}
	}
	scenes = append(scenes, wizPage("0-intro", func() {
		u.settingsWin.Close()
		m.w.Hide()
		u.keychain = secrets.NewMemory(nil)
		w := u.app.NewWindow(u.tr.T("ui.app.title"))
		wiz = newWizard(u, w, true, func() {})
		w.Show()
	}))
	for i := range vm.WizardSteps() {
		scenes = append(scenes, wizPage(fmt.Sprintf("%d-step", i+1), func() { wiz.show(i) }))
		if i == 1 { // after the VPBX step: the road page
			scenes = append(scenes, wizPage("2r-road", func() { wiz.showRoad() }))
		}
	}
	scenes = append(scenes,
		wizPage("6-waiting", func() {
			wiz.waitForURL()
			st := tunnel.Status{State: tunnel.Offline, MessageKey: "tunnel.ngrok.bad_authtoken", Code: "ERR_NGROK_107"}
			wiz.showTunnel(vm.Header{TunnelState: st.State, TunnelKey: st.MessageKey, Tunnel: st})
		}),
		wizPage("6r-refused", func() {
			wiz.waitForURL()
			st := tunnel.Status{State: tunnel.Offline, MessageKey: tunnel.KeyBlockedIP, Code: "ERR_NGROK_9040"}
			wiz.showTunnel(vm.Header{TunnelState: st.State, TunnelKey: st.MessageKey, Tunnel: st})
		}),
		wizPage("7-url", func() { wiz.showURL(m.url.Text) }),
	)
	scenes = append(scenes, u.wizardTourScenes(func() *wizard { return wiz })...) // screenshot_wizard.go
	for _, s := range scenes {
		if len(u.scenes) > 0 && !slices.Contains(u.scenes, s.name) {
			continue
		}
		if err := u.scene(s); err != nil {
			return fmt.Errorf("scene %s: %w", s.name, err)
		}
	}
	return nil
}

func (u *UI) scene(s scene) error {
	var err error
	if s.setup != nil {
		fyne.DoAndWait(func() { err = s.setup() })
		if err != nil {
			return err
		}
	}
	if err := poll(60*time.Second, s.ready); err != nil {
		return fmt.Errorf("never ready: %w", err)
	}
	// Wall clock, not the UI's: the tour waits for real frames to paint.
	time.Sleep(700 * time.Millisecond) // let the last frame paint
	if s.check != nil {
		fyne.DoAndWait(func() { err = s.check() })
		if err != nil {
			return err
		}
	}
	texts := u.main.visibleText()
	sort.Strings(texts)
	var state string
	fyne.DoAndWait(func() {
		state = u.main.state.Text + "\n" + u.main.road.line.Text + "\n" + u.main.detailHead.Text + "\n" + u.main.tries.Text
	})
	dump := "cells:\n" + strings.Join(texts, "\n") + "\nstate:\n" + state + "\n"
	base := filepath.Join(u.screenshot, s.name)
	if err := os.WriteFile(base+".txt", []byte(dump), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".ready", nil, 0o644); err != nil {
		return err
	}
	return poll(60*time.Second, func() bool {
		_, err := os.Stat(base + ".taken")
		return err == nil
	})
}

// rowShows: the table shows call row with status (in the user's words).
func (u *UI) rowShows(row int64, status calls.Status) bool {
	m := u.main
	word := u.tr.T(vm.StatusKey(status))
	var ok bool
	fyne.DoAndWait(func() {
		m.mu.Lock()
		i := vm.IndexOf(m.rows, row)
		m.mu.Unlock()
		if i < 0 {
			return
		}
		l := m.newCell().(*widget.Label)
		m.updateCell(widget.TableCellID{Row: i, Col: 4}, l)
		ok = l.Text == word
	})
	return ok
}

func (u *UI) onUIText(f func() string) string {
	var s string
	fyne.DoAndWait(func() { s = f() })
	return s
}

// selectRow selects the call in the table as a click would.
func (m *mainWindow) selectRow(row int64) error {
	m.mu.Lock()
	i := vm.IndexOf(m.rows, row)
	m.mu.Unlock()
	if i < 0 {
		return fmt.Errorf("call %d is not in the table", row)
	}
	m.table.UnselectAll()
	m.table.Select(widget.TableCellID{Row: i, Col: 1})
	return nil
}

// checkNotClipped measures what the issue found cut off in the main
// window: every status word fits its column, every action button shows
// its whole label inside the window.
func (m *mainWindow) checkNotClipped() error {
	var problems []string
	for _, s := range append(slices.Clone(calls.Statuses), vm.StatusSkippedByRule) {
		word := m.tr.T(vm.StatusKey(s))
		l := widget.NewLabel(word)
		if need := l.MinSize().Width; need > statusColumnWidth {
			problems = append(problems, fmt.Sprintf("status %q needs %.0f px, the column has %.0f", word, need, statusColumnWidth))
		}
	}
	var total float32
	for _, w := range columnWidths {
		total += w
	}
	if tw := m.table.Size().Width; total > tw {
		problems = append(problems, fmt.Sprintf("the table's columns need %.0f px, the table has %.0f", total, tw))
	}
	for i, key := range columns {
		h := widget.NewLabelWithStyle(m.tr.T(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		if need := h.MinSize().Width; need > columnWidths[i] {
			problems = append(problems, fmt.Sprintf("column %q needs %.0f px, it has %.0f", m.tr.T(key), need, columnWidths[i]))
		}
	}
	for _, src := range []calls.Source{calls.SourceCalltracking, calls.SourceVPBX, calls.SourceReconcile, calls.SourceBackfill} {
		word := m.tr.T(vm.SourceKey(src))
		if need := widget.NewLabel(word).MinSize().Width; need > columnWidths[6] {
			problems = append(problems, fmt.Sprintf("source %q needs %.0f px, the column has %.0f", word, need, columnWidths[6]))
		}
	}
	winW := m.w.Canvas().Size().Width
	for _, o := range m.actionsBox.Objects {
		b, ok := o.(*widget.Button)
		if !ok || !b.Visible() {
			continue
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		if b.Size().Width < b.MinSize().Width || pos.X+b.Size().Width > winW {
			problems = append(problems, fmt.Sprintf("button %q is cut off (%.0f of %.0f px at x=%.0f, window %.0f)",
				b.Text, b.Size().Width, b.MinSize().Width, pos.X, winW))
		}
	}
	if winW > 1366 {
		problems = append(problems, fmt.Sprintf("the window is %.0f px wide", winW))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// checkNotClipped: each mode choice shows its whole text; parameter lists
// wrap instead of running out of their field.
func (e *mappingEditor) checkNotClipped() error {
	var problems []string
	for f, r := range e.rows {
		if r.mode.Size().Width < selectNeed(r.mode) {
			problems = append(problems, fmt.Sprintf("%s: mode %q cut off", f, r.mode.Selected))
		}
		if !r.value.MultiLine || r.value.Wrapping != fyne.TextWrapWord {
			problems = append(problems, fmt.Sprintf("%s: the parameter list does not wrap", f))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

var errTimeout = errors.New("timed out")

// poll runs on the wall clock, not the UI's: the tour is a test tool
// waiting for a real window to draw.
func poll(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
