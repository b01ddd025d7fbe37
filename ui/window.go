package ui

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/ui/internal/memtrim"
	"mangotqm/ui/internal/profile"
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

	shown shownState // UI goroutine: what the window shows (reload skips what did not change)

	triesRaw   attemptsRaw // details.go: TQM's replies under «Подробнее»
	lastExport string
	pending    sync.WaitGroup // background actions (tests wait for them)

	refreshReq chan struct{}
	asked      atomic.Bool // requestRefresh was called: the next reload applies everything
	closed     chan struct{}
	stopOnce   sync.Once
}

func newMainWindow(u *UI, b vm.Backend) *mainWindow {
	m := &mainWindow{u: u, b: b, tr: u.tr, app: u.app, calls: vm.NewCalls(b, u.clk(), u.tr.Data),
		actions: vm.Actions{B: b, Open: u.app.OpenURL, Clock: u.clk()},
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
	m.w.SetCloseIntercept(func() { m.u.closeLast(m.w, true, m.w.Hide) }) // wizard_close.go
	if !hidden {
		m.w.Show()
	}
	go m.loop()
	m.requestRefresh()
	profile.Start(context.Background()) // only with MANGOTQM_PROFILE_DIR (docs/idle.md)
}

func (m *mainWindow) stop() { m.stopOnce.Do(func() { close(m.closed) }) }

func (m *mainWindow) loop() {
	events, unsub := m.b.Subscribe()
	defer unsub()
	// Changes arrive as events; the ticker is only a safety net (a change
	// that published nothing). Every reload queries the whole database's
	// counts, so it is not frequent (docs/idle.md).
	clk := m.u.clk()
	tick := clk.After(safetyReload)
	// Once the window has settled after its first reload, what building it
	// allocated and freed goes back to the system (docs/idle.md).
	settled := clk.After(settleTrim)
	for {
		select {
		case <-m.closed:
			return
		case <-settled:
			memtrim.Release()
			continue
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-m.refreshReq:
		case <-tick:
			tick = clk.After(safetyReload) // the next safety net, as a ticker would
		}
		_ = clk.Sleep(context.Background(), 100*time.Millisecond) // coalesce bursts: one reload for many events
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
	m.asked.Store(true)
	select {
	case m.refreshReq <- struct{}{}:
	default:
	}
}

func (m *mainWindow) reload() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	asked := m.asked.Swap(false) // a filter, a selection, an action or the tour: show it all
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
		force := m.shown.stale(m.u.clk().Now()) || asked
		if herr == nil && (force || !reflect.DeepEqual(h, m.shown.header)) {
			m.applyHeader(h)
			m.shown.header = h
		}
		if rerr == nil && (force || more != m.shown.more || !slices.Equal(rows, m.shown.rows)) {
			m.applyRows(rows, more)
			m.shown.rows, m.shown.more = rows, more
		}
		if cerr == nil && (force || !reflect.DeepEqual(chart, m.shown.chart)) {
			m.chart.set(chart)
			m.shown.chart = chart
		}
		if sel != 0 && derr == nil && (force || sel != m.shown.sel || !reflect.DeepEqual(d, m.shown.details)) {
			m.applyDetails(d)
			m.shown.sel, m.shown.details = sel, d
		}
		for _, in := range fresh {
			m.app.SendNotification(fyne.NewNotification(m.tr.T("ui.notify.title"), vm.IncidentText(in, m.tr.Data)))
		}
		m.u.updateTray(h)
		m.u.firstRunURL(h)
	})
}

// shownState is what the window last showed. An idle window reloads now
// and then; redrawing unchanged labels and the table each time made
// Fyne repaint the whole window (the idle CPU in docs/idle.md), so reload
// applies only what changed, and everything once a minute (texts that
// read the clock) or when asked (requestRefresh: the user or the tour
// changed what the window should show).
type shownState struct {
	at      time.Time // everything applied
	header  vm.Header
	rows    []vm.Row
	more    bool
	chart   vm.Chart
	sel     int64
	details vm.Details
}

// safetyReload is how often the window reloads without an event.
const safetyReload = 30 * time.Second

// settleTrim is how long after the window opens its freed memory is
// handed back: the first reload and paint are done by then.
const settleTrim = 5 * time.Second

// fullEvery is how often reload applies everything even when unchanged.
const fullEvery = time.Minute

// stale reports whether everything is due (and, if so, notes now).
func (s *shownState) stale(now time.Time) bool {
	if !s.at.IsZero() && now.Sub(s.at) < fullEvery {
		return false
	}
	s.at = now
	return true
}

var _ vm.Backend = (*bridge.Bridge)(nil)
