package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/core"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
)

// columns of the calls table.
var columns = []string{"ui.col.time", "ui.col.caller", "ui.col.operator", "ui.col.duration", "ui.col.status", "ui.col.attempts"}

type mainWindow struct {
	u   *UI
	b   vm.Backend
	tr  Tr
	w   fyne.Window
	app fyne.App

	calls    *vm.Calls
	notifier vm.Notifier

	mu       sync.Mutex
	rows     []vm.Row
	header   vm.Header
	selected int64
	visible  map[widget.TableCellID]string

	state, counts, demo  *widget.Label
	url                  *widget.Entry
	copyBtn, pauseBtn    *widget.Button
	table                *widget.Table
	detailHead           *widget.Label
	raw, request, tries  *widget.Label
	resendBtn            *widget.Button
	statusSel, periodSel *widget.Select
	search               *widget.Entry

	refreshReq chan struct{}
	closed     chan struct{}
	stopOnce   sync.Once
}

func newMainWindow(u *UI, b vm.Backend) *mainWindow {
	m := &mainWindow{u: u, b: b, tr: u.tr, app: u.app, calls: vm.NewCalls(b, nil),
		visible: map[widget.TableCellID]string{}, refreshReq: make(chan struct{}, 1), closed: make(chan struct{})}
	m.notifier.Muted = u.settings.Muted()
	title := m.tr.T("ui.app.title")
	if b.Demo() {
		title = m.tr.T("ui.app.title_demo")
	}
	m.w = u.app.NewWindow(title)
	m.w.SetContent(m.build())
	m.w.Resize(fyne.NewSize(1180, 720))
	m.w.SetMaster()
	return m
}

func (m *mainWindow) build() fyne.CanvasObject {
	m.state = widget.NewLabel(m.tr.T("ui.tunnel.connecting"))
	m.state.TextStyle.Bold = true
	m.counts = widget.NewLabel("")
	m.demo = widget.NewLabelWithStyle(m.tr.T("ui.demo.banner"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.demo.Importance = widget.WarningImportance
	m.demo.Hidden = !m.b.Demo()
	m.url = widget.NewEntry()
	m.url.Disable()
	m.url.SetPlaceHolder(m.tr.T("ui.url.waiting"))
	m.copyBtn = widget.NewButton(m.tr.T("ui.action.copy"), m.copyURL)
	m.pauseBtn = widget.NewButton(m.tr.T("ui.action.pause"), m.togglePause)
	hint := widget.NewLabel(m.tr.T("ui.url.where"))
	hint.Wrapping = fyne.TextWrapWord
	header := container.NewVBox(
		container.NewHBox(m.demo, m.state, m.counts),
		container.NewBorder(nil, nil, widget.NewLabel(m.tr.T("ui.url.label")), container.NewHBox(m.copyBtn, m.pauseBtn), m.url),
		hint,
	)

	statusLabels := make([]string, len(vm.FilterStatuses))
	for i, s := range vm.FilterStatuses {
		statusLabels[i] = m.statusFilterLabel(s)
	}
	m.statusSel = widget.NewSelect(statusLabels, func(string) { m.applyFilter() })
	m.statusSel.SetSelectedIndex(0)
	periods := []string{m.tr.T("ui.period.all"), m.tr.T("ui.period.today"), m.tr.T("ui.period.week")}
	m.periodSel = widget.NewSelect(periods, func(string) { m.applyFilter() })
	m.periodSel.SetSelectedIndex(0)
	m.search = widget.NewEntry()
	m.search.SetPlaceHolder(m.tr.T("ui.search.placeholder"))
	m.search.OnChanged = func(string) { m.applyFilter() }
	filters := container.NewBorder(nil, nil, container.NewHBox(m.statusSel, m.periodSel), nil, m.search)

	m.table = widget.NewTable(m.tableSize, m.newCell, m.updateCell)
	m.table.ShowHeaderRow = true
	m.table.CreateHeader = func() fyne.CanvasObject { return widget.NewLabel("") }
	m.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(columns) {
			o.(*widget.Label).SetText(m.tr.T(columns[id.Col]))
			o.(*widget.Label).TextStyle.Bold = true
		}
	}
	for i, w := range []float32{120, 120, 150, 60, 130, 60} {
		m.table.SetColumnWidth(i, w)
	}
	m.table.OnSelected = func(id widget.TableCellID) {
		m.mu.Lock()
		if id.Row >= 0 && id.Row < len(m.rows) {
			m.selected = m.rows[id.Row].ID
		}
		m.mu.Unlock()
		m.requestRefresh()
	}

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
	details := container.NewBorder(container.NewVBox(m.detailHead, m.resendBtn), nil, nil, nil, tabs)

	split := container.NewHSplit(m.table, details)
	split.Offset = 0.62

	actions := container.NewHBox(
		widget.NewButton(m.tr.T("ui.action.resend_failed"), m.resendFailedDialog),
		widget.NewButton(m.tr.T("ui.action.export"), m.exportCSV),
		widget.NewButton(m.tr.T("ui.action.open_folder"), m.openFolder),
		widget.NewButton(m.tr.T("ui.action.mapping"), func() { showMappingEditor(m.app, m.tr, m.b) }),
		widget.NewButton(m.tr.T("ui.action.settings"), func() { showSettings(m.u) }),
	)
	if m.b.Demo() {
		sim := widget.NewButton(m.tr.T("ui.action.simulate"), m.simulate)
		sim.Importance = widget.HighImportance
		actions.Add(sim)
	}
	return container.NewBorder(container.NewVBox(header, widget.NewSeparator(), filters), actions, nil, nil, split)
}

func (m *mainWindow) statusFilterLabel(s string) string {
	if s == "" {
		return m.tr.T("ui.filter.all_statuses")
	}
	return m.tr.T(vm.StatusKey(s))
}

func (m *mainWindow) show() {
	m.w.SetCloseIntercept(func() {
		if m.u.trayAvailable() {
			m.w.Hide()
			return
		}
		m.app.Quit()
	})
	m.w.Show()
	go m.loop()
	m.requestRefresh()
}

func (m *mainWindow) stop() { m.stopOnce.Do(func() { close(m.closed) }) }

// loop re-reads state when the core says something changed (coalesced).
func (m *mainWindow) loop() {
	events, unsub := m.b.Subscribe()
	defer unsub()
	tick := time.NewTicker(5 * time.Second) // also catches a tunnel that changed quietly
	defer tick.Stop()
	for {
		select {
		case <-m.closed:
			return
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-m.refreshReq:
		case <-tick.C:
		}
		time.Sleep(100 * time.Millisecond) // coalesce bursts
		m.reload()
	}
}

func (m *mainWindow) requestRefresh() {
	select {
	case m.refreshReq <- struct{}{}:
	default:
	}
}

func (m *mainWindow) applyFilter() {
	if m.statusSel == nil || m.periodSel == nil || m.search == nil {
		return
	}
	i := m.statusSel.SelectedIndex()
	status := ""
	if i > 0 && i < len(vm.FilterStatuses) {
		status = vm.FilterStatuses[i]
	}
	m.calls.SetFilter(status, vm.Period(max(m.periodSel.SelectedIndex(), 0)), m.search.Text)
	m.requestRefresh()
}

// reload reads everything off the UI goroutine, then shows it with fyne.Do.
func (m *mainWindow) reload() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, herr := vm.LoadHeader(ctx, m.b)
	rerr := m.calls.Refresh(ctx)
	m.mu.Lock()
	sel := m.selected
	m.mu.Unlock()
	var d vm.Details
	var derr error
	if sel != 0 {
		d, derr = vm.LoadDetails(ctx, m.b, sel)
	}
	rows := m.calls.Rows()
	fresh := m.notifier.New(h.Incidents)
	fyne.Do(func() {
		if herr == nil {
			m.applyHeader(h)
		}
		if rerr == nil {
			m.mu.Lock()
			m.rows = rows
			m.mu.Unlock()
			m.table.Refresh()
		}
		if sel != 0 && derr == nil {
			m.applyDetails(d)
		}
		for _, in := range fresh {
			m.app.SendNotification(fyne.NewNotification(m.tr.T("ui.notify.title"), in.Message))
		}
		m.u.updateTray(h)
	})
}

func (m *mainWindow) refreshHeader() { m.requestRefresh() }

func (m *mainWindow) applyHeader(h vm.Header) {
	m.header = h
	switch h.TunnelState {
	case tunnel.Online:
		m.state.SetText(m.tr.T("ui.tunnel.online"))
		m.state.Importance = widget.SuccessImportance
	case tunnel.Offline:
		text := m.tr.T("ui.tunnel.offline")
		if h.TunnelKey != "" {
			text += ": " + m.tr.T(h.TunnelKey)
		}
		m.state.SetText(text)
		m.state.Importance = widget.DangerImportance
	default:
		m.state.SetText(m.tr.T("ui.tunnel.connecting"))
		m.state.Importance = widget.WarningImportance
	}
	m.state.Refresh()
	counts := m.tr.T("ui.counts", map[string]any{"Waiting": h.Counts.Waiting, "Sending": h.Counts.Sending,
		"Failed": h.Counts.Failed + h.Counts.Attention, "Delivered": h.Counts.DeliveredToday})
	if h.Paused {
		counts = m.tr.T("ui.delivery.paused") + " · " + counts
	}
	m.counts.SetText(counts)
	if m.url.Text != h.URL {
		m.url.SetText(h.URL)
	}
	if h.Paused {
		m.pauseBtn.SetText(m.tr.T("ui.action.resume"))
	} else {
		m.pauseBtn.SetText(m.tr.T("ui.action.pause"))
	}
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
	m.raw.SetText(m.u.redactor.Redact(d.Raw))
	m.request.SetText(m.u.redactor.Redact(d.Request))
	var b strings.Builder
	for _, a := range d.Attempts {
		fmt.Fprintf(&b, "%s  %s  HTTP %d  %s\n", a.Time, m.tr.T("ui.outcome."+a.Outcome), a.HTTPStatus, a.Duration)
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
	m.tries.SetText(m.u.redactor.Redact(b.String()))
	if d.CanResend {
		m.resendBtn.Enable()
	} else {
		m.resendBtn.Disable()
	}
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

func (m *mainWindow) copyURL() {
	u := m.url.Text
	if u == "" {
		return
	}
	m.app.Clipboard().SetContent(u)
	go func() { _ = m.b.MarkURLCopied(context.Background(), u) }()
	m.copyBtn.SetText(m.tr.T("ui.action.copied"))
	go func() {
		time.Sleep(2 * time.Second)
		fyne.Do(func() { m.copyBtn.SetText(m.tr.T("ui.action.copy")) })
	}()
}

func (m *mainWindow) togglePause() {
	paused := !m.b.Paused()
	if err := m.b.SetPaused(context.Background(), paused); err != nil {
		dialog.ShowError(err, m.w)
		return
	}
	m.requestRefresh()
}

func (m *mainWindow) resendSelected() {
	m.mu.Lock()
	row := m.selected
	m.mu.Unlock()
	if row == 0 {
		return
	}
	if err := m.b.Resend(context.Background(), row); err != nil {
		dialog.ShowError(err, m.w)
		return
	}
	m.requestRefresh()
}

func (m *mainWindow) resendFailedDialog() {
	since := widget.NewEntry()
	since.SetText(time.Now().Add(-24 * time.Hour).Format("02.01.2006 15:04"))
	dialog.ShowForm(m.tr.T("ui.resend_failed.title"), m.tr.T("ui.action.resend"), m.tr.T("ui.action.cancel"),
		[]*widget.FormItem{widget.NewFormItem(m.tr.T("ui.resend_failed.since"), since)}, func(ok bool) {
			if !ok {
				return
			}
			t, err := time.ParseInLocation("02.01.2006 15:04", strings.TrimSpace(since.Text), time.Local)
			if err != nil {
				dialog.ShowError(fmt.Errorf("%s", m.tr.T("ui.resend_failed.bad_date")), m.w)
				return
			}
			n, err := m.b.ResendFailedSince(context.Background(), t)
			if err != nil {
				dialog.ShowError(err, m.w)
				return
			}
			dialog.ShowInformation(m.tr.T("ui.resend_failed.title"), m.tr.T("ui.resend_failed.done", map[string]any{"N": n}), m.w)
			m.requestRefresh()
		}, m.w)
}

func (m *mainWindow) exportCSV() {
	m.mu.Lock()
	rows := append([]vm.Row(nil), m.rows...)
	m.mu.Unlock()
	path := filepath.Join(m.b.DataDir(), "calls-"+time.Now().Format("2006-01-02-150405")+".csv")
	f, err := os.Create(path)
	if err == nil {
		err = vm.WriteCSV(f, rows)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		dialog.ShowError(err, m.w)
		return
	}
	dialog.ShowInformation(m.tr.T("ui.action.export"), m.tr.T("ui.export.done", map[string]any{"Path": path}), m.w)
}

func (m *mainWindow) openFolder() {
	u, err := fileURL(m.b.DataDir())
	if err == nil {
		err = m.app.OpenURL(u)
	}
	if err != nil {
		dialog.ShowError(err, m.w)
	}
}

func (m *mainWindow) simulate() {
	go func() {
		if _, err := m.b.Simulate(context.Background()); err != nil {
			fyne.Do(func() { dialog.ShowError(err, m.w) })
		}
	}()
}

// VisibleText returns the texts of the table cells currently rendered.
func (m *mainWindow) visibleText() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.visible))
	for _, t := range m.visible {
		out = append(out, t)
	}
	return out
}

var _ vm.Backend = (*core.Core)(nil)
