package ui

// The main window's details of the selected call.

import (
	"context"

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
		container.NewTabItem(m.tr.T("ui.details.attempts"), container.NewVScroll(container.NewVBox(m.tries, m.buildAttemptsRaw()))),
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
	m.tries.SetText(vm.AttemptsText(d.Attempts, m.tr.Data))
	m.applyAttemptsRaw(vm.AttemptsRaw(d.Attempts))
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

// attemptsRaw is TQM's raw replies and x-correlation-ids, folded under
// «Подробнее» below the tries in words.
type attemptsRaw struct {
	label *widget.Label
	fold  *widget.Accordion
}

func (m *mainWindow) buildAttemptsRaw() fyne.CanvasObject {
	m.triesRaw.label = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	m.triesRaw.label.Wrapping = fyne.TextWrapBreak
	m.triesRaw.label.Selectable = true
	m.triesRaw.fold = widget.NewAccordion(widget.NewAccordionItem(m.tr.T("desk.more"), m.triesRaw.label))
	m.triesRaw.fold.Hide()
	return m.triesRaw.fold
}

func (m *mainWindow) applyAttemptsRaw(raw string) {
	if m.triesRaw.label.Text != raw {
		m.triesRaw.label.SetText(raw)
	}
	m.triesRaw.fold.Hidden = raw == ""
	m.triesRaw.fold.Refresh()
}
