//go:build tour

package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"mangotqm/app/demo"
	"mangotqm/ui/vm"
)

// rulesScenes are the rules page's scenes of the screenshot tour: the page
// with its preview, then bad input refused. The page becomes the "last
// settings window" so that the next scene closes it.
func (u *UI) rulesScenes() []scene {
	var p *rulesPage
	text := func(f func() string) string { return u.onUIText(f) }
	m := u.main
	var missed int64
	sim, _ := u.bridge.(vm.ScenarioSimulator)
	return []scene{
		{name: "main-6-skipped-rule", setup: func() error {
			if u.settingsWin != nil {
				u.settingsWin.Close()
				u.settingsWin = nil
			}
			if sim == nil {
				return errors.New("screenshots are taken in demo mode")
			}
			row, err := sim.SimulateScenario(context.Background(), demo.ScenarioMissed)
			missed = row
			return err
		}, ready: func() bool { return u.rowShows(missed, vm.StatusSkippedByRule) }, check: m.checkNotClipped},
		{name: "details-skipped-rule", setup: func() error { return m.selectRow(missed) },
			ready: func() bool {
				return text(func() string { return m.resendBtn.Text }) == u.tr.T("ui.action.send_anyway")
			}},
		{name: "rules-page", setup: func() error {
			if u.settingsWin != nil {
				u.settingsWin.Close()
			}
			if p = showRules(u); p == nil {
				return errors.New("the bridge has no rules")
			}
			u.settingsWin = p.w
			return nil
		}, ready: func() bool {
			t := text(func() string { return p.preview.Text })
			return t != "" && t != u.tr.T("rules.preview.loading")
		}, check: func() error { return p.checkNotClipped() }},
		{name: "rules-page-error", setup: func() error {
			p.minTalk.SetText("-5")
			p.saveRules()
			return nil
		}, ready: func() bool {
			return strings.Contains(text(func() string { return p.problem.Text }), u.tr.T("rules.field.min_talk"))
		}},
	}
}

// checkNotClipped: the page's labels and choices are whole.
func (p *rulesPage) checkNotClipped() error {
	var problems []error
	for _, o := range p.lines.Options {
		if o == "" {
			problems = append(problems, errors.New("an empty lines choice"))
		}
	}
	if w := p.preview.Size().Width; w < 200 {
		problems = append(problems, fmt.Errorf("the preview is %.0f px wide", w))
	}
	if w, need := p.hoursFrom.Size().Width, p.hoursFrom.MinSize().Width; w < need {
		problems = append(problems, fmt.Errorf("the working hours entry is %.0f px wide, it needs %.0f", w, need))
	}
	return errors.Join(problems...)
}
