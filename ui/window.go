package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
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
	actions  vm.Actions
	notifier vm.Notifier

	mu       sync.Mutex
	rows     []vm.Row
	header   vm.Header
	selected int64
	visible  map[widget.TableCellID]string

	state, counts, demo  *widget.Label
	url                  *widget.Entry
	copyBtn, pauseBtn    *widget.Button
	exportBtn, folderBtn *widget.Button
	simBtn               *widget.Button
	table                *widget.Table
	detailHead           *widget.Label
	raw, request, tries  *widget.Label
	resendBtn            *widget.Button
	statusSel, periodSel *widget.Select
	search               *widget.Entry

	lastExport string
	pending    sync.WaitGroup // background actions (tests wait for them)

	refreshReq chan struct{}
	closed     chan struct{}
	stopOnce   sync.Once
}

func newMainWindow(u *UI, b vm.Backend) *mainWindow {
	m := &mainWindow{u: u, b: b, tr: u.tr, app: u.app, calls: vm.NewCalls(b, nil),
		actions: vm.Actions{B: b, Open: u.app.OpenURL},
		visible: map[widget.TableCellID]string{}, refreshReq: make(chan struct{}, 1), closed: make(chan struct{})}
	m.notifier.SetMuted(u.settings.Muted())
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
	filters := container.NewBorder(nil, nil, container.NewHBox(
		container.NewGridWrap(fyne.NewSize(200, h), m.statusSel),
		container.NewGridWrap(fyne.NewSize(160, h), m.periodSel)), nil, m.search)

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

	m.exportBtn = widget.NewButton(m.tr.T("ui.action.export"), m.exportCSV)
	m.folderBtn = widget.NewButton(m.tr.T("ui.action.open_folder"), m.openFolder)
	actions := container.NewHBox(
		widget.NewButton(m.tr.T("ui.action.resend_failed"), m.resendFailedDialog),
		m.exportBtn,
		m.folderBtn,
		widget.NewButton(m.tr.T("ui.action.mapping"), func() { newMappingEditor(m.u, m.b).w.Show() }),
		widget.NewButton(m.tr.T("ui.action.settings"), func() { showSettings(m.u) }),
	)
	if m.b.Demo() {
		m.simBtn = widget.NewButton(m.tr.T("ui.action.simulate"), m.simulate)
		m.simBtn.Importance = widget.HighImportance
		actions.Add(m.simBtn)
	}
	return container.NewBorder(container.NewVBox(header, widget.NewSeparator(), filters), actions, nil, nil, split)
}

func (m *mainWindow) statusFilterLabel(s calls.Status) string {
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
		time.Sleep(100 * time.Millisecond) // coalesce bursts: one reload for many events
		for drained := false; !drained; {
			select {
			case _, ok := <-events:
				if !ok {
					return
				}
			case <-m.refreshReq:
			default:
				drained = true
			}
		}
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
	var status calls.Status
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
		d, derr = vm.LoadDetails(ctx, m.b, sel, m.u.redactor.Redact)
	}
	rows := m.calls.Rows()
	fresh := m.notifier.New(h.Incidents)
	m.u.onUI(func() {
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
		m.u.firstRunURL(h.URL)
	})
}

func (m *mainWindow) refreshHeader() { m.requestRefresh() }

// showStartError says in the header why the bridge could not start (a
// secret is missing from the keychain, say); the window stays usable.
func (m *mainWindow) showStartError(err error) {
	m.state.SetText(m.tr.T("ui.error.start") + ": " + m.u.redactor.Redact(err.Error()))
	m.state.Importance = widget.DangerImportance
	m.state.Wrapping = fyne.TextWrapWord
	m.state.Refresh()
}

func (m *mainWindow) applyHeader(h vm.Header) {
	m.header = h
	text := m.tr.T(vm.TunnelKey(h.TunnelState))
	switch h.TunnelState {
	case tunnel.Online:
		m.state.Importance = widget.SuccessImportance
	case tunnel.Offline:
		if h.TunnelKey != "" {
			text += ": " + m.tr.T(h.TunnelKey)
		}
		m.state.Importance = widget.DangerImportance
	default:
		m.state.Importance = widget.WarningImportance
	}
	m.state.SetText(text)
	counts := m.tr.T("ui.counts", vm.CountsData(h.Counts))
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
	m.u.copyURL(u)
	m.copyBtn.SetText(m.tr.T("ui.action.copied"))
	go func() {
		time.Sleep(2 * time.Second)
		m.u.onUI(func() { m.copyBtn.SetText(m.tr.T("ui.action.copy")) })
	}()
}

// background runs a backend action off the UI goroutine, then shows its
// error (if any) and refreshes.
func (m *mainWindow) background(key string, f func(ctx context.Context) error) {
	m.pending.Add(1)
	go func() {
		defer m.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := f(ctx); err != nil {
			m.u.onUI(func() { m.u.showError(m.w, key, err) })
		}
		m.requestRefresh()
	}()
}

func (m *mainWindow) togglePause() {
	m.pauseBtn.Disable()
	m.background("ui.error.pause", func(ctx context.Context) error {
		defer m.u.onUI(m.pauseBtn.Enable)
		_, err := m.actions.TogglePause(ctx)
		return err
	})
}

func (m *mainWindow) resendSelected() {
	m.mu.Lock()
	row := m.selected
	m.mu.Unlock()
	m.background("ui.error.resend", func(ctx context.Context) error { return m.actions.Resend(ctx, row) })
}

func (m *mainWindow) resendFailedDialog() {
	since := widget.NewEntry()
	since.SetText(m.actions.DefaultSince())
	dialog.ShowForm(m.tr.T("ui.resend_failed.title"), m.tr.T("ui.action.resend"), m.tr.T("ui.action.cancel"),
		[]*widget.FormItem{widget.NewFormItem(m.tr.T("ui.resend_failed.since"), since)}, func(ok bool) {
			if !ok {
				return
			}
			text := since.Text
			if _, err := m.actions.ParseSince(text); err != nil {
				m.u.showError(m.w, "ui.resend_failed.bad_date", nil)
				return
			}
			m.background("ui.error.resend_failed", func(ctx context.Context) error {
				n, err := m.actions.ResendFailedSince(ctx, text)
				if err != nil {
					return err
				}
				m.u.onUI(func() {
					dialog.ShowInformation(m.tr.T("ui.resend_failed.title"),
						m.tr.T("ui.resend_failed.done", map[string]any{"N": n}), m.w)
				})
				return nil
			})
		}, m.w)
}

// exportCSV writes the rows as shown (filters applied) to the data folder.
func (m *mainWindow) exportCSV() {
	m.mu.Lock()
	rows := append([]vm.Row(nil), m.rows...)
	m.mu.Unlock()
	path, err := m.actions.ExportCSV(rows, func(k string) string { return m.tr.T(k) })
	if err != nil {
		m.u.showError(m.w, "ui.error.export", err)
		return
	}
	m.lastExport = path
	dialog.ShowInformation(m.tr.T("ui.action.export"), m.tr.T("ui.export.done", map[string]any{"Path": path}), m.w)
}

func (m *mainWindow) openFolder() {
	if err := m.actions.OpenDataFolder(); err != nil {
		m.u.showError(m.w, "ui.error.open_folder", err)
	}
}

func (m *mainWindow) simulate() {
	m.background("ui.error.simulate", func(ctx context.Context) error {
		sim, ok := m.b.(vm.Simulator)
		if !ok {
			return errors.New("simulated calls exist only in demo mode")
		}
		_, err := sim.Simulate(ctx)
		return err
	})
}

// visibleText returns the texts of the table cells currently rendered for
// existing rows (the screenshot test's dump).
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

var _ vm.Backend = (*bridge.Bridge)(nil)
