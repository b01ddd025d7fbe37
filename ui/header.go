package ui

// The main window's header: tunnel state, counts, the webhook URL.

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
)

// buildHeader: tunnel state, counts, the webhook URL with Copy and Pause.
func (m *mainWindow) buildHeader() fyne.CanvasObject {
	m.state = widget.NewLabel(m.tr.T("ui.tunnel.connecting"))
	m.state.TextStyle.Bold = true
	m.counts = widget.NewLabel("")
	m.demo = widget.NewLabelWithStyle(m.tr.T("ui.demo.banner"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.demo.Importance = widget.WarningImportance
	m.demo.Hidden = !m.b.Demo()
	m.url = widget.NewEntry()
	m.url.Disable()
	m.url.SetPlaceHolder(m.tr.T("ui.url.waiting"))
	urlLabel, whereKey := "ui.url.label", "ui.url.where"
	if m.b.Demo() {
		// Demo mode says plainly what this address is: local, for the
		// simulated calls; Mango cannot reach it.
		urlLabel, whereKey = "ui.url.label_demo", "ui.url.where_demo"
	}
	m.copyBtn = widget.NewButton(m.tr.T("ui.action.copy"), m.copyURL)
	m.copyBtn.Disable() // until there is an address
	m.pauseBtn = widget.NewButton(m.tr.T("ui.action.pause"), m.togglePause)
	hint := widget.NewLabel(m.tr.T(whereKey))
	hint.Wrapping = fyne.TextWrapWord
	// Long reasons wrap inside the window's width: a label in an HBox
	// would widen the window instead (2,777 px for one ngrok error).
	// One line: the first sentence, the whole reason under «Подробнее».
	m.state.Wrapping = fyne.TextWrapOff
	m.state.Truncation = fyne.TextTruncateEllipsis
	m.road.stateMore = widget.NewButton(m.tr.T("desk.more"), func() {
		showProblems(m.tr, m.w, m.road.stateFull, nil, "")
	})
	m.road.stateMore.Importance = widget.LowImportance
	m.road.stateMore.Hidden = true
	m.counts.Wrapping = fyne.TextWrapWord
	m.road.urlRow = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(m.tr.T(urlLabel)), container.NewHBox(m.copyBtn, m.pauseBtn), m.url),
		hint)
	return container.NewVBox(
		container.NewBorder(nil, nil, m.demo, m.road.stateMore, m.state),
		m.buildRoadLine(), // header_road.go
		m.counts,
		m.buildReconcileLine(),
		m.road.urlRow,
	)

}

func (m *mainWindow) refreshHeader() { m.requestRefresh() }

func (m *mainWindow) showStartError(err error) {
	m.state.SetText(m.tr.T("ui.error.start") + ": " + m.u.redactor.Redact(err.Error()))
	m.state.Importance = widget.DangerImportance
	m.state.Wrapping = fyne.TextWrapWord
	m.state.Refresh()
}

// tunnelText is the state line: the tunnel's steady state (a reconnect
// after a failure stays «Нет связи», vm.SteadyState) with the reason it is
// not up, said once (vm.StateReason), and whether sending is paused.
func tunnelText(tr Tr, h vm.Header) (string, widget.Importance) {
	state := vm.SteadyState(h.TunnelState, h.TunnelKey)
	text := tr.T(vm.TunnelKey(state))
	imp := widget.WarningImportance
	// The reason with its fields (the ngrok error code…); Fyne's font has
	// no arrow, so menu paths read «A > B».
	reason := tr.T(h.TunnelKey)
	if h.Tunnel.MessageKey == h.TunnelKey && h.TunnelKey != "" {
		reason = tunnel.Message(tr.Lang, h.Tunnel)
	}
	reason = strings.ReplaceAll(reason, "→", ">")
	switch state {
	case tunnel.Online:
		imp = widget.SuccessImportance
	case tunnel.Offline:
		if h.TunnelKey != "" {
			text = vm.StateReason(text, reason)
		}
		imp = widget.DangerImportance
	}
	if h.Road.Kind == bridge.TunnelPoll {
		text, imp = pollStateText(tr, h) // header_road.go: no tunnel on this road
	}
	if h.Paused {
		// Sending is paused: never a green «works».
		text = tr.T("ui.delivery.paused") + " · " + text
		if imp == widget.SuccessImportance {
			imp = widget.WarningImportance
		}
	}
	return text, imp
}

func (m *mainWindow) applyHeader(h vm.Header) {
	h = m.tourRoad(h) // header_road.go: the screenshot tour's road
	m.header = h
	text, imp := tunnelText(m.tr, h)
	head, more := vm.Headline(text)
	m.road.stateFull = text // «Подробнее» shows it whole
	m.road.stateMore.Hidden = !more
	if m.state.Text != head || m.state.Importance != imp { // quiet: only a change redraws
		m.state.Importance = imp
		m.state.SetText(head)
	}
	m.counts.SetText(m.tr.T("ui.counts", vm.CountsData(h.Counts)))
	m.applyReconcileLine(h.Reconcile)
	m.applyRoadLine(h)
	if m.url.Text != h.URL {
		m.url.SetText(h.URL)
	}
	if h.URL == "" { // nothing to copy yet
		m.copyBtn.Disable()
	} else {
		m.copyBtn.Enable()
	}
	if h.Paused {
		m.pauseBtn.SetText(m.tr.T("ui.action.resume"))
	} else {
		m.pauseBtn.SetText(m.tr.T("ui.action.pause"))
	}
}

func (m *mainWindow) copyURL() {
	u := m.url.Text
	if u == "" {
		return
	}
	m.u.copyURL(u)
	m.copyBtn.SetText(m.tr.T("ui.action.copied"))
	go func() {
		<-m.u.clk().After(2 * time.Second)
		m.u.onUI(func() { m.copyBtn.SetText(m.tr.T("ui.action.copy")) })
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
