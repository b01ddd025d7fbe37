package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/ui/vm"
)

var columns = []string{"ui.col.time", "ui.col.caller", "ui.col.operator", "ui.col.duration", "ui.col.status", "ui.col.attempts", "ui.col.source"}

type mainWindow struct {
	u   *UI
	b   vm.Backend
	tr  Tr
	w   fyne.Window
	app fyne.App

	calls    *vm.Calls
	actions  vm.Actions
	notifier vm.Notifier

	mu        sync.Mutex
	rows      []vm.Row
	header    vm.Header
	selected  int64
	visible   map[widget.TableCellID]string
	selColumn int  // UI goroutine: the column the user clicked in
	syncing   bool // UI goroutine: the table's selection is being moved to its call
	details   vm.Details

	state, counts, demo  *widget.Label
	recon                *widget.Label // the last reconcile with Mango (backfill.go)
	road                 roadHeader    // the road line and its switch (header_road.go)
	url                  *widget.Entry
	copyBtn, pauseBtn    *widget.Button
	exportBtn, folderBtn *widget.Button
	simBtn               *widget.Button
	simMenu              *widget.PopUpMenu
	actionsBox           *fyne.Container
	table                *widget.Table
	moreBtn              *widget.Button
	chart                *chartView
	detailHead           *widget.Label
	raw, request, tries  *widget.Label
	requestZone          *widget.Label
	tabs                 *container.AppTabs
	fields               *widget.Form
	shownFields          []vm.KV
	rawToggle            *widget.Button
	rawScroll            *container.Scroll
	fieldsScroll         *container.Scroll
	resendBtn            *widget.Button
	confirm              *dialog.ConfirmDialog
	statusSel, periodSel *widget.Select
	search               *widget.Entry

	triesRaw   attemptsRaw // details.go: TQM's replies under «Подробнее»
	lastExport string
	pending    sync.WaitGroup // background actions (tests wait for them)

	refreshReq chan struct{}
	closed     chan struct{}
	stopOnce   sync.Once
}

func newMainWindow(u *UI, b vm.Backend) *mainWindow {
	m := &mainWindow{u: u, b: b, tr: u.tr, app: u.app, calls: vm.NewCalls(b, nil, u.tr.Data),
		actions: vm.Actions{B: b, Open: u.app.OpenURL},
		visible: map[widget.TableCellID]string{}, refreshReq: make(chan struct{}, 1), closed: make(chan struct{})}
	m.notifier.SetMuted(u.settings.Muted())
	title := m.tr.T("ui.app.title")
	if b.Demo() {
		title = m.tr.T("ui.app.title_demo")
	}
	m.w = u.app.NewWindow(title)
	m.w.SetContent(m.build())
	m.w.Resize(fitScreen(fyne.NewSize(1240, 690))) // fit.go: above the Windows taskbar
	m.w.SetMaster()
	return m
}

func (m *mainWindow) build() fyne.CanvasObject {
	split := container.NewHSplit(m.buildTable(), m.buildDetails())
	split.Offset = 0.69 // the table's columns whole (status «Пропущен по правилу»)
	top := container.NewBorder(nil, nil, nil, m.buildChart(), m.buildHeader())
	return container.NewBorder(container.NewVBox(top, widget.NewSeparator(), m.buildFilters()),
		m.buildActions(), nil, nil, split)
}

// show starts the window's updates and shows it, unless hidden: started
// minimised to the tray (the tray's «Показать окно» shows it).
func (m *mainWindow) show(hidden bool) {
	m.w.SetCloseIntercept(func() {
		if m.u.trayAvailable() {
			m.w.Hide()
			return
		}
		m.app.Quit()
	})
	if !hidden {
		m.w.Show()
	}
	go m.loop()
	m.requestRefresh()
}

func (m *mainWindow) stop() { m.stopOnce.Do(func() { close(m.closed) }) }

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
		d, derr = vm.LoadDetails(ctx, m.b, sel, m.u.redactor.Redact, m.u.tr.Data)
	}
	chart, cerr := vm.LoadChart(ctx, m.b)
	rows, more := m.calls.Rows(), m.calls.HasMore()
	fresh := m.notifier.New(h.Incidents)
	m.u.onUI(func() {
		if herr == nil {
			m.applyHeader(h)
		}
		if rerr == nil {
			m.applyRows(rows, more)
		}
		if cerr == nil {
			m.chart.set(chart)
		}
		if sel != 0 && derr == nil {
			m.applyDetails(d)
		}
		for _, in := range fresh {
			m.app.SendNotification(fyne.NewNotification(m.tr.T("ui.notify.title"), vm.IncidentText(in, m.tr.Data)))
		}
		m.u.updateTray(h)
		m.u.firstRunURL(h)
	})
}

var _ vm.Backend = (*bridge.Bridge)(nil)
