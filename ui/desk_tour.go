//go:build tour

package ui

// The screenshot tour's scenes of the desk work (issue 20): settings
// errors in words, the period dialog's rules, the mapping editor's plain
// words, the attempts in words, the quiet connection line. Registered for
// the test in desk_tour_test.go; screenshot.go appends them.

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/mapping"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
)

// deskScenes are the desk scenes (their names are listed in
// desk_tour_test.go, for the tour test).
func (u *UI) deskScenes() []scene {
	m := u.main
	text := func(f func() string) string { return u.onUIText(f) }
	var period *backfillForm
	var periodDlg dialog.Dialog
	var ed *mappingEditor
	top := func(w fyne.Window) string {
		return text(func() string { return overlayText(w) })
	}
	closeSettings := func() {
		if u.settingsWin != nil {
			u.settingsWin.Close()
			u.settingsWin = nil
		}
	}
	return []scene{
		{name: "desk-1-settings-errors", setup: func() error {
			closeSettings()
			showSettings(u)
			c := u.settingsWin.Content()
			domain, url := tourEntry(c, u.tr.T("ui.wizard.ngrok.domain")), tourEntry(c, u.tr.T("ui.settings.tqm_url"))
			save := tourButton(c, u.tr.T("ui.action.save"))
			if domain == nil || url == nil || save == nil {
				return errors.New("the settings have no domain, TQM address or Save")
			}
			domain.SetText("not a domain")
			url.SetText("tqm_bank") // not an address
			save.OnTapped()
			return nil
		}, ready: func() bool {
			t := top(u.settingsWin)
			return strings.Contains(t, u.tr.T("ui.settings.tqm_url")+":") && strings.Contains(t, u.tr.T("ui.wizard.ngrok.domain")+":")
		}},
		{name: "desk-2-period-future", setup: func() error {
			closeSettings()
			period = m.newBackfillForm(nil) // bad dates never reach Mango
			periodDlg = dialog.NewCustomWithoutButtons(m.tr.T("ui.backfill.title"), period.content, m.w)
			period.onClose = periodDlg.Hide
			periodDlg.Resize(fyne.NewSize(560, 0))
			periodDlg.Show()
			period.from.SetText("01.01.2099")
			period.to.SetText("")
			m.startBackfill(nil, period)
			return nil
		}, ready: func() bool {
			want := dateErrorText(u.tr, &vm.DateError{Field: "from", Rule: vm.DateFuture, Text: "01.01.2099"})
			return text(func() string { return period.status.Text }) == want
		}},
		{name: "desk-3-period-format", setup: func() error {
			period.from.SetText("01.11.2026")
			period.to.SetText("31.11.2026")
			m.startBackfill(nil, period)
			return nil
		}, ready: func() bool {
			want := dateErrorText(u.tr, &vm.DateError{Field: "to", Rule: vm.DateFormat, Text: "31.11.2026"})
			return text(func() string { return period.status.Text }) == want
		}, check: func() error {
			if period.bar.Visible() {
				return errors.New("a progress bar beside a refused date")
			}
			return nil
		}},
		{name: "desk-4-mapping-plain", setup: func() error {
			if periodDlg != nil {
				periodDlg.Hide()
			}
			ed = newMappingEditor(u, m.b)
			u.tourMapping = ed
			ed.w.Show()
			return nil
		}, ready: func() bool {
			return text(func() string {
				r := ed.rows[mapping.FieldHangupParty]
				if r.enum == nil || !r.enum.Visible() {
					return ""
				}
				scrollTo(ed.w.Content(), r.enum)
				return r.enum.Selected
			}) == u.tr.T("desk.enum.hangupParty.client")+" (client)"
		}, check: func() error {
			// check runs on the UI goroutine: read directly.
			if strings.Contains(overlayText(ed.w)+tourTexts(ed.w.Content()), "inbound/Inbound") {
				return errors.New("the mapping editor still says «inbound/Inbound»")
			}
			return nil
		}},
		{name: "desk-5-mapping-zone-error", setup: func() error {
			ed.zone.SetText("Mars/Olympus")
			ed.saveConfig()
			return nil
		}, ready: func() bool { return strings.Contains(top(ed.w), u.tr.T("desk.field.zone")+":") }},
		{name: "desk-6-attempts", setup: func() error {
			// Hidden, and the "last settings window" the wizard's scene closes.
			ed.w.Hide()
			u.settingsWin = ed.w
			m.mu.Lock()
			var row int64
			for _, r := range m.rows {
				if r.Status == calls.StatusFailed {
					row = r.ID
				}
			}
			m.mu.Unlock()
			if row == 0 {
				return errors.New("no failed call to show")
			}
			if err := m.selectRow(row); err != nil {
				return err
			}
			m.tabs.SelectIndex(0)
			m.triesRaw.fold.Open(0)
			return nil
		}, ready: func() bool {
			t := text(func() string { return m.tries.Text + m.triesRaw.label.Text })
			return strings.Contains(t, u.tr.T("desk.outcome.retry")+": HTTP 503") && strings.Contains(t, "x-correlation-id")
		}},
		{name: "desk-7-connection-line", setup: func() error {
			s := bridge.RoadStatus{Kind: bridge.TunnelNgrok,
				Tunnel: tunnel.Status{State: tunnel.Connecting, MessageKey: "tunnel.ngrok.unreachable"}}
			m.road.tour = &s
			m.requestRefresh()
			return nil
		}, ready: func() bool {
			head, _ := vm.Headline(u.tr.T("tunnel.ngrok.unreachable"))
			return text(func() string { return m.state.Text }) == head
		}, check: func() error {
			// The tour road stays: the wizard's scenes that follow hide
			// the main window.
			if m.road.stateMore.Hidden {
				return errors.New("the connection line has no «Подробнее»")
			}
			if h := m.state.Size().Height; h > 2*m.state.MinSize().Height {
				return fmt.Errorf("the connection line is %.0f px tall", h)
			}
			return nil
		}},
	}
}

// overlayText is the text of the dialog on top of w.
func overlayText(w fyne.Window) string {
	if w == nil || w.Canvas().Overlays().Top() == nil {
		return ""
	}
	return tourTexts(w.Canvas().Overlays().Top())
}

// tourWalk visits o's tree as the app builds it (containers, scrolls,
// tabs, forms, accordions, pop-ups).
func tourWalk(o fyne.CanvasObject, f func(fyne.CanvasObject, string)) {
	var walk func(o fyne.CanvasObject, label string)
	walk = func(o fyne.CanvasObject, label string) {
		if o == nil {
			return
		}
		f(o, label)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c, "")
			}
		case *container.Scroll:
			walk(x.Content, "")
		case *container.AppTabs:
			for _, it := range x.Items {
				walk(it.Content, "")
			}
		case *widget.Form:
			for _, it := range x.Items {
				walk(it.Widget, it.Text)
			}
		case *widget.Accordion:
			for _, it := range x.Items {
				walk(it.Detail, "")
			}
		case *widget.PopUp:
			walk(x.Content, "")
		default:
			// Fyne's overlay around a dialog: its exported Content.
			if v := reflect.ValueOf(o); v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
				if f := v.Elem().FieldByName("Content"); f.IsValid() && f.CanInterface() {
					if c, ok := f.Interface().(fyne.CanvasObject); ok {
						walk(c, "")
					}
				}
			}
		}
	}
	walk(o, "")
}

func tourTexts(o fyne.CanvasObject) string {
	var b strings.Builder
	tourWalk(o, func(c fyne.CanvasObject, _ string) {
		switch x := c.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *widget.Select:
			b.WriteString(x.Selected + "\n")
		}
	})
	return b.String()
}

func tourEntry(o fyne.CanvasObject, label string) *widget.Entry {
	var e *widget.Entry
	tourWalk(o, func(c fyne.CanvasObject, l string) {
		if x, ok := c.(*widget.Entry); ok && l == label {
			e = x
		}
	})
	return e
}

func tourButton(o fyne.CanvasObject, text string) *widget.Button {
	var b *widget.Button
	tourWalk(o, func(c fyne.CanvasObject, _ string) {
		if x, ok := c.(*widget.Button); ok && x.Text == text {
			b = x
		}
	})
	return b
}

// scrollTo scrolls the first scroll under root so that o is in view.
func scrollTo(root, o fyne.CanvasObject) {
	var s *container.Scroll
	tourWalk(root, func(c fyne.CanvasObject, _ string) {
		if x, ok := c.(*container.Scroll); ok && s == nil {
			s = x
		}
	})
	if s == nil {
		return
	}
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(s).Y + s.Offset.Y
	s.ScrollToOffset(fyne.NewPos(0, max(0, y-40)))
}
