package ui

// The main window's details of the selected call.

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/ui/vm"
)

// buildDetails: the selected call's tries, TQM request and Mango data.
func (m *mainWindow) buildDetails() fyne.CanvasObject {
	m.detailHead = widget.NewLabelWithStyle(m.tr.T("ui.details.none"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.detailHead.Wrapping = fyne.TextWrapWord
	mono := fyne.TextStyle{Monospace: true}
	m.raw = widget.NewLabelWithStyle("", fyne.TextAlignLeading, mono)
	m.request = widget.NewLabelWithStyle("", fyne.TextAlignLeading, mono)
	m.tries = widget.NewLabelWithStyle("", fyne.TextAlignLeading, mono)
	m.tries.Wrapping = fyne.TextWrapWord
	m.resendBtn = widget.NewButton(m.tr.T("ui.action.resend"), m.resendSelected)
	m.resendBtn.Disable()
	tabs := container.NewAppTabs(
		container.NewTabItem(m.tr.T("ui.details.attempts"), container.NewScroll(m.tries)),
		container.NewTabItem(m.tr.T("ui.details.request"), container.NewScroll(m.request)),
		container.NewTabItem(m.tr.T("ui.details.raw"), container.NewScroll(m.raw)),
	)
	return container.NewBorder(container.NewVBox(m.detailHead, m.resendBtn), nil, nil, nil, tabs)

}

func (m *mainWindow) applyDetails(d vm.Details) {
	head := m.tr.T("ui.details.head", map[string]any{"ID": d.Row.ID, "CallID": d.CallID,
		"Status": m.tr.T(vm.StatusKey(d.Row.Status))})
	if d.Reason != "" {
		head += "\n" + d.Reason
	}
	if d.Unknown {
		head += "\n" + m.tr.T("ui.details.unknown")
	}
	m.detailHead.SetText(head)
	m.raw.SetText(d.Raw)
	m.request.SetText(d.Request)
	var b strings.Builder
	for _, a := range d.Attempts {
		fmt.Fprintf(&b, "%s  %s  HTTP %d  %s\n", a.Time, m.tr.T("ui.outcome."+string(a.Outcome)), a.HTTPStatus, a.Duration)
		if a.CorrelationID != "" {
			fmt.Fprintf(&b, "  x-correlation-id: %s\n", a.CorrelationID)
		}
		if a.Response != "" {
			fmt.Fprintf(&b, "  %s\n", a.Response)
		}
		if a.Error != "" {
			fmt.Fprintf(&b, "  %s\n", a.Error)
		}
	}
	if b.Len() == 0 {
		b.WriteString(m.tr.T("ui.details.no_attempts"))
	}
	m.tries.SetText(b.String())
	if d.CanResend {
		m.resendBtn.Enable()
	} else {
		m.resendBtn.Disable()
	}
}

func (m *mainWindow) resendSelected() {
	m.mu.Lock()
	row := m.selected
	m.mu.Unlock()
	m.background("ui.error.resend", func(ctx context.Context) error { return m.actions.Resend(ctx, row) })
}
