package ui

// The header's road line («Опрос Mango раз в минуту · последний в 14:05 ·
// новых звонков: 2», «Подключение: ngrok») and the one-click switch of road
// when ngrok refuses this office.

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
)

type roadHeader struct {
	// stateMore shows the connection line's whole reason (header.go).
	stateMore  *widget.Button
	stateFull  string
	line       *widget.Label
	silent     *widget.Label // the silent-webhooks incident, while open
	switchBox  *fyne.Container
	urlRow     *fyne.Container
	box        *fyne.Container // line and switch; hidden with both, leaving no gap
	offered    bool            // the switch is shown
	vpbxStored bool            // read from the keychain when the switch is offered
	// tour, when set (the screenshot tour, UI goroutine only), is the road
	// shown instead of the demo's (which has none).
	tour         *bridge.RoadStatus
	tourIncident string // and an open silent-webhooks incident's message
}

// tourRoad puts the screenshot tour's road into h.
func (m *mainWindow) tourRoad(h vm.Header) vm.Header {
	if m.road.tour == nil {
		return h
	}
	s := *m.road.tour
	h.Road = vm.RoadLineOf(s)
	h.Tunnel, h.TunnelState, h.TunnelKey = s.Tunnel, s.Tunnel.State, s.Tunnel.MessageKey
	if s.Kind == bridge.TunnelPoll {
		h.TunnelState = tunnel.Online
	}
	if m.road.tourIncident != "" {
		h.Incidents = append(h.Incidents, calls.Incident{Kind: bridge.IncidentSilentWebhooks, Message: m.road.tourIncident})
	}
	h.Health = vm.HealthOf(h)
	return h
}

func (m *mainWindow) buildRoadLine() fyne.CanvasObject {
	m.road.line = widget.NewLabel("")
	m.road.line.Wrapping = fyne.TextWrapWord
	m.road.line.Hidden = true
	m.road.switchBox = container.NewVBox()
	m.road.switchBox.Hidden = true
	m.road.silent = widget.NewLabel("")
	m.road.silent.Wrapping = fyne.TextWrapWord
	m.road.silent.Importance = widget.WarningImportance
	m.road.silent.Hidden = true
	m.road.box = container.NewVBox(m.road.line, m.road.silent, m.road.switchBox)
	m.road.box.Hidden = true
	return m.road.box
}

// fitBox hides the road rows' box when both are hidden.
func (r *roadHeader) fitBox() {
	hidden := r.line.Hidden && r.switchBox.Hidden && r.silent.Hidden
	if r.box.Hidden != hidden {
		r.box.Hidden = hidden
		r.box.Refresh()
	}
}

// roadLineText renders the road line ("" when there is none).
func roadLineText(tr Tr, l vm.RoadLine) string {
	if l.Key == "" {
		return ""
	}
	data := map[string]any{}
	for k, v := range l.Data {
		data[k] = v
	}
	if d, ok := l.Data["Every"].(time.Duration); ok {
		data["Every"] = everyLabel(tr, d)
	}
	if l.Failed && l.ReasonKey != "" {
		rl := vm.ReconcileLine{ReasonKey: l.ReasonKey, Error: l.Error}
		data["Reason"] = tr.T(l.ReasonKey, rl.ReasonData())
	}
	return tr.T(l.Key, data)
}

// pollStateText is the state line on the poll road: the road line itself.
func pollStateText(tr Tr, h vm.Header) (string, widget.Importance) {
	text := roadLineText(tr, h.Road)
	switch {
	case h.Road.Failed:
		return text, widget.DangerImportance
	case h.Road.Key == "road.line.poll":
		return text, widget.SuccessImportance
	}
	return text, widget.WarningImportance
}

// applyRoadLine shows the road line (on ngrok and own address; on the
// poll road the state line says it all), hides the webhook address on
// the poll road, and offers the switch when ngrok refused.
func (m *mainWindow) applyRoadLine(h vm.Header) {
	r := &m.road
	text := roadLineText(m.tr, h.Road)
	r.line.SetText(text)
	r.line.Hidden = text == "" || h.Road.Kind == bridge.TunnelPoll
	r.line.Refresh()
	silent := silentIncident(h)
	if r.silent.Text != silent || r.silent.Hidden != (silent == "") {
		r.silent.SetText(silent)
		r.silent.Hidden = silent == ""
		r.silent.Refresh()
	}
	if r.urlRow != nil {
		r.urlRow.Hidden = h.Road.Kind == bridge.TunnelPoll
		r.urlRow.Refresh()
	}
	offer := vm.OfferSwitchIn(h)
	defer r.fitBox()
	if offer == r.offered {
		return
	}
	r.offered = offer
	if !offer {
		r.switchBox.RemoveAll()
		r.switchBox.Hidden = true
		r.switchBox.Refresh()
		return
	}
	// Which roads the saved secrets allow: read off the UI goroutine.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, errK := m.u.keychain.Get(ctx, secrets.MangoVPBXKey)
		_, errS := m.u.keychain.Get(ctx, secrets.MangoVPBXSalt)
		m.u.onUI(func() { m.showSwitch(errK == nil && errS == nil) })
	}()
}

// showSwitch lays out the one-click switch.
func (m *mainWindow) showSwitch(vpbxStored bool) {
	r := &m.road
	if !r.offered {
		return
	}
	r.vpbxStored = vpbxStored
	r.switchBox.RemoveAll()
	r.switchBox.Add(container.NewHBox(append([]fyne.CanvasObject{widget.NewLabel(m.tr.T("road.switch.offer"))},
		switchButtons(m.u, vpbxStored, m.switchToPoll, m.u.showRoadSettings)...)...))
	if !vpbxStored {
		why := widget.NewLabel(m.tr.T("road.poll.why_not"))
		why.Wrapping = fyne.TextWrapWord
		why.Importance = widget.LowImportance
		r.switchBox.Add(why)
	}
	r.switchBox.Hidden = false
	r.switchBox.Refresh()
	r.fitBox()
}

// switchToPoll is the one click: the poll road, applied at once.
func (m *mainWindow) switchToPoll() {
	vpbxStored := m.road.vpbxStored
	m.background("road.error.save", func(ctx context.Context) error {
		if err := vm.SwitchRoad(ctx, m.u.bridge, config.RoadPoll, vpbxStored); err != nil {
			return err
		}
		m.u.onUI(func() {
			m.road.offered = false
			m.road.switchBox.RemoveAll()
			m.road.switchBox.Hidden = true
			m.road.switchBox.Refresh()
			m.road.fitBox()
		})
		m.requestRefresh()
		return nil
	})
}

// silentIncident is the open silent-webhooks incident's message ("" when
// none): the header shows it under the road line, the tray in its tooltip.
func silentIncident(h vm.Header) string {
	for _, i := range h.Incidents {
		if i.Kind == bridge.IncidentSilentWebhooks {
			return i.Message
		}
	}
	return ""
}

// trayRoadLine is the tooltip's line about the road's incident ("" when
// none), with its leading newline.
func trayRoadLine(h vm.Header) string {
	if s := silentIncident(h); s != "" {
		return "\n" + s
	}
	return ""
}
