package ui

// The main window's call table and its filters.

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/calls"
	"mangotqm/ui/vm"
)

// buildFilters: status, period and search.
func (m *mainWindow) buildFilters() fyne.CanvasObject {
	statusLabels := make([]string, len(vm.FilterStatuses))
	for i, s := range vm.FilterStatuses {
		statusLabels[i] = m.statusFilterLabel(s)
	}
	m.statusSel = widget.NewSelect(statusLabels, func(string) { m.applyFilter() })
	m.statusSel.SetSelectedIndex(0)
	periods := make([]string, len(vm.PeriodKeys))
	for i, k := range vm.PeriodKeys {
		periods[i] = m.tr.T(k)
	}
	m.periodSel = widget.NewSelect(periods, func(string) { m.applyFilter() })
	m.periodSel.SetSelectedIndex(0)
	m.search = widget.NewEntry()
	m.search.SetPlaceHolder(m.tr.T("ui.search.placeholder"))
	m.search.OnChanged = func(string) { m.applyFilter() }
	h := m.statusSel.MinSize().Height
	return container.NewBorder(nil, nil, container.NewHBox(
		container.NewGridWrap(fyne.NewSize(200, h), m.statusSel),
		container.NewGridWrap(fyne.NewSize(160, h), m.periodSel)), nil, m.search)

}

// statusColumnWidth fits the longest status word («Пропущен по правилу»).
const statusColumnWidth float32 = 174

// columnWidths are the widths of columns, in order.
var columnWidths = []float32{114, 140, 152, 60, statusColumnWidth, 84, 90}

// buildTable: the calls, newest first, and «Показать ещё» for older ones.
func (m *mainWindow) buildTable() fyne.CanvasObject {
	m.table = widget.NewTable(m.tableSize, m.newCell, m.updateCell)
	m.table.ShowHeaderRow = true
	m.table.CreateHeader = func() fyne.CanvasObject { return widget.NewLabel("") }
	m.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(columns) {
			o.(*widget.Label).SetText(m.tr.T(columns[id.Col]))
			o.(*widget.Label).TextStyle.Bold = true
		}
	}
	// Wide enough for «Требует внимания» and +7 (495) 137-07-10, and all
	// of them within the table at 1366×768 (see the screenshot test).
	for i, w := range columnWidths {
		m.table.SetColumnWidth(i, w)
	}
	m.table.OnSelected = func(id widget.TableCellID) {
		if m.syncing {
			return // the selection follows its call after a reload
		}
		m.mu.Lock()
		if id.Row >= 0 && id.Row < len(m.rows) {
			m.selected = m.rows[id.Row].ID
		}
		m.mu.Unlock()
		m.selColumn = id.Col
		m.requestRefresh()
	}
	m.moreBtn = widget.NewButton(m.tr.T("ui.table.more", map[string]any{"N": vm.PageSize}), func() {
		m.calls.ShowMore()
		m.requestRefresh()
	})
	m.moreBtn.Hide()
	return container.NewBorder(nil, container.NewHBox(m.moreBtn), nil, nil, m.table)
}

// applyRows shows new rows and keeps the selection on the same call
// (new calls arrive on top and would shift it to another one).
func (m *mainWindow) applyRows(rows []vm.Row, more bool) {
	m.mu.Lock()
	m.rows = rows
	sel := m.selected
	m.mu.Unlock()
	m.table.Refresh()
	m.syncing = true
	if i := vm.IndexOf(rows, sel); i >= 0 {
		m.table.Select(widget.TableCellID{Row: i, Col: m.selColumn})
	} else if sel != 0 {
		m.table.UnselectAll()
	}
	m.syncing = false
	if more {
		m.moreBtn.Show()
	} else {
		m.moreBtn.Hide()
	}
}

func (m *mainWindow) statusFilterLabel(s calls.Status) string {
	if s == "" {
		return m.tr.T("ui.filter.all_statuses")
	}
	return m.tr.T(vm.StatusKey(s))
}

func (m *mainWindow) applyFilter() {
	if m.statusSel == nil || m.periodSel == nil || m.search == nil {
		return
	}
	i := m.statusSel.SelectedIndex()
	var status calls.Status
	if i > 0 && i < len(vm.FilterStatuses) {
		status = vm.FilterStatuses[i]
	}
	m.calls.SetFilter(status, vm.Period(max(m.periodSel.SelectedIndex(), 0)), m.search.Text)
	m.requestRefresh()
}

func (m *mainWindow) tableSize() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rows), len(columns)
}

func (m *mainWindow) newCell() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func (m *mainWindow) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	m.mu.Lock()
	if id.Row >= len(m.rows) {
		m.mu.Unlock()
		l.SetText("")
		return
	}
	r := m.rows[id.Row]
	m.mu.Unlock()
	text := ""
	l.Importance = widget.MediumImportance
	l.TextStyle.Bold = false
	switch id.Col {
	case 0:
		text = r.Time
	case 1:
		text = r.Caller
	case 2:
		text = r.Operator
	case 3:
		text = r.Duration
	case 4:
		text = m.tr.T(vm.StatusKey(r.Status))
		l.Importance = toneImportance(r.Tone)
	case 5:
		text = fmt.Sprint(r.Attempts)
	case 6:
		text = m.tr.T(vm.SourceKey(r.Source))
	}
	l.SetText(text)
	m.mu.Lock()
	m.visible[id] = text
	m.mu.Unlock()
}

func toneImportance(t vm.Tone) widget.Importance {
	switch t {
	case vm.ToneGood:
		return widget.SuccessImportance
	case vm.ToneBusy:
		return widget.HighImportance
	case vm.ToneWarn:
		return widget.WarningImportance
	case vm.ToneBad:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

func (m *mainWindow) visibleText() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.visible))
	for id, t := range m.visible {
		if id.Row < len(m.rows) {
			out = append(out, t)
		}
	}
	return out
}
