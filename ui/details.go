package ui

// The main window's details of the selected call.

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/ui/vm"
)

// buildDetails: the selected call's tries, TQM request and Mango data.
func (m *mainWindow) buildDetails() fyne.CanvasObject {
	m.detailHead = widget.NewLabelWithStyle(m.tr.T("ui.details.none"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.detailHead.Wrapping = fyne.TextWrapWord
	mono := fyne.TextStyle{Monospace: true}
	m.raw = widget.NewLabelWithStyle("", fyne.TextAlignLeading, mono)
	m.raw.Wrapping = fyne.TextWrapBreak
	m.request = widget.NewLabelWithStyle("", fyne.TextAlignLeading, mono)
	m.request.Wrapping = fyne.TextWrapBreak
	m.requestZone = widget.NewLabel("")
	m.requestZone.Wrapping = fyne.TextWrapWord
	m.requestZone.Importance = widget.LowImportance
	m.tries = widget.NewLabelWithStyle("", fyne.TextAlignLeading, mono)
	m.tries.Wrapping = fyne.TextWrapWord
	m.resendBtn = widget.NewButton(m.tr.T("ui.action.resend"), m.resendSelected)
	m.resendBtn.Disable()

	// «Данные Mango»: the parameters as name → value, the raw request one
	// click away.
	m.fields = widget.NewForm()
	m.rawToggle = widget.NewButton(m.tr.T("ui.details.show_raw"), m.toggleRaw)
	m.rawScroll = container.NewVScroll(m.raw)
	m.rawScroll.Hide()
	m.fieldsScroll = container.NewVScroll(m.fields)
	data := container.NewBorder(container.NewHBox(m.rawToggle), nil, nil, nil,
		container.NewStack(m.fieldsScroll, m.rawScroll))

	m.tabs = container.NewAppTabs(
		container.NewTabItem(m.tr.T("ui.details.attempts"), container.NewVScroll(m.tries)),
		container.NewTabItem(m.tr.T("ui.details.request"), container.NewBorder(m.requestZone, nil, nil, nil,
			container.NewVScroll(m.request))),
		container.NewTabItem(m.tr.T("ui.details.raw"), data),
	)
	return container.NewBorder(container.NewVBox(m.detailHead, container.NewHBox(m.resendBtn)), nil, nil, nil, m.tabs)
}

// toggleRaw switches «Данные Mango» between the table and the raw text.
func (m *mainWindow) toggleRaw() {
	if !m.rawScroll.Visible() {
		m.rawScroll.Show()
		m.fieldsScroll.Hide()
		m.rawToggle.SetText(m.tr.T("ui.details.show_table"))
		return
	}
	m.rawScroll.Hide()
	m.fieldsScroll.Show()
	m.rawToggle.SetText(m.tr.T("ui.details.show_raw"))
}

func (m *mainWindow) applyDetails(d vm.Details) {
	m.details = d
	head := m.tr.T("ui.details.head", map[string]any{"ID": d.Row.ID, "CallID": d.CallID,
		"Status": m.tr.T(vm.StatusKey(d.Row.Status))})
	if d.Row.Caller != "" {
		head += "\n" + m.tr.T("ui.details.caller", map[string]any{"Caller": d.Row.Caller, "Duration": d.Row.Duration})
	}
	if d.Reason != "" {
		head += "\n" + d.Reason
	}
	if d.Unknown {
		head += "\n" + m.tr.T("ui.details.unknown")
	}
	m.detailHead.SetText(head)
	m.raw.SetText(d.Raw)
	m.request.SetText(d.Request)
	m.requestZone.SetText(m.tr.T("ui.details.request_zone", map[string]any{"Zone": d.RequestZone}))
	m.setFields(d.Fields)
	var b strings.Builder
	if n := len(d.Attempts); n > 0 {
		b.WriteString(m.tr.T("ui.details.tries_count", map[string]any{"N": n}) + "\n\n")
	}
	for i, a := range d.Attempts {
		status := ""
		if a.HTTPStatus != 0 {
			status = fmt.Sprintf("  HTTP %d", a.HTTPStatus)
		}
		fmt.Fprintf(&b, "%d. %s  %s%s  %s\n", i+1, a.Time, m.tr.T("ui.outcome."+string(a.Outcome)), status,
			vm.FormatDuration(a.Duration, func(k string) string { return m.tr.T(k) }))
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
	m.resendBtn.SetText(m.tr.T(d.ResendKey()))
	if d.CanResend {
		m.resendBtn.Enable()
	} else {
		m.resendBtn.Disable()
	}
}

// setFields fills the «Данные Mango» table (only when it changed: the
// form is rebuilt).
func (m *mainWindow) setFields(kv []vm.KV) {
	if fieldsEqual(m.shownFields, kv) {
		return
	}
	m.shownFields = kv
	m.fields.Items = nil
	for _, f := range kv {
		v := widget.NewLabel(f.Value)
		v.Wrapping = fyne.TextWrapBreak
		v.Selectable = true
		m.fields.Append(f.Name, v)
	}
	if len(kv) == 0 {
		m.fields.Append("", widget.NewLabel(m.tr.T("ui.details.no_fields")))
	}
	m.fields.Refresh()
}

func fieldsEqual(a, b []vm.KV) bool {
	if len(a) != len(b) || a == nil != (b == nil) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// resendSelected puts the selected call back in the queue; a delivered
// call is asked about first: TQM would get a second import of it.
func (m *mainWindow) resendSelected() {
	m.mu.Lock()
	row := m.selected
	m.mu.Unlock()
	if m.details.Row.ID == row && m.details.ConfirmResend {
		m.confirm = dialog.NewConfirm(m.tr.T("ui.resend.confirm.title"), m.tr.T("ui.resend.confirm.text"),
			func(ok bool) {
				if ok {
					m.resend(row)
				}
			}, m.w)
		m.confirm.SetConfirmText(m.tr.T("ui.action.resend"))
		m.confirm.SetDismissText(m.tr.T("ui.action.cancel"))
		m.confirm.Show()
		return
	}
	m.resend(row)
}

func (m *mainWindow) resend(row int64) {
	m.background("ui.error.resend", func(ctx context.Context) error { return m.actions.Resend(ctx, row) })
}
