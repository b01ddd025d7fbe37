//go:build tour

package ui

// The screenshot tour's road scenes: the main window's header on each road
// (ngrok refused with the one-click switch, own address, poll) and the
// «Подключение» window. The demo has no road of its own, so each scene
// shows a road state through the header's tour hook.

import (
	"fmt"
	"strings"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/reconcile"
	"mangotqm/app/secrets"
	"mangotqm/tunnel"
	"mangotqm/ui/vm"
)

func (u *UI) roadScenes() []scene {
	m := u.main
	show := func(s bridge.RoadStatus) func() error {
		return func() error {
			m.road.tour = &s
			m.requestRefresh()
			return nil
		}
	}
	// shows: the header shows s's road line (the state line on the poll road).
	shows := func(s bridge.RoadStatus) func() bool {
		want := roadLineText(u.tr, vm.RoadLineOf(s))
		return func() bool {
			return strings.Contains(u.onUIText(func() string { return m.state.Text + "\n" + m.road.line.Text }), want)
		}
	}
	own := bridge.RoadStatus{Kind: bridge.TunnelNone, Tunnel: tunnel.Status{State: tunnel.Online, URL: "https://pbx.example.ru"}}
	poll := bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute, HasLast: true,
		Last: reconcile.Result{At: u.clk().Now().Add(-40 * time.Second), New: 2}}
	return []scene{
		{name: "road-1-ngrok-refused", setup: func() error {
			u.settingsWin.Close()
			// The saved VPBX keys allow the poll road: the switch offers it.
			u.keychain = secrets.NewMemory(map[secrets.Name]string{
				secrets.MangoVPBXKey: "abcdefghijklmnopqrstuvwxyz1", secrets.MangoVPBXSalt: "0123456789abcdef0123456789abcdef"})
			return show(bridge.RoadStatus{Kind: bridge.TunnelNgrok, Tunnel: tunnel.Status{State: tunnel.Offline,
				MessageKey: tunnel.KeyBlockedIP, Code: "ERR_NGROK_9040"}})()
		}, ready: func() bool {
			return u.onUIText(func() string { return fmt.Sprint(!m.road.switchBox.Hidden && len(m.road.switchBox.Objects) > 0) }) == "true"
		}, check: m.checkNotClipped},
		{name: "road-2-own", setup: show(own), ready: shows(own), check: m.checkNotClipped},
		{name: "road-3-poll", setup: show(poll), ready: shows(poll), check: m.checkNotClipped},
		// Webhooks silent while ngrok is online: the incident under the road line.
		{name: "road-3s-silent-webhooks", setup: func() error {
			m.road.tourIncident = u.tr.T("road.silent_webhooks", map[string]any{"Count": 4})
			return show(bridge.RoadStatus{Kind: bridge.TunnelNgrok, Tunnel: tunnel.Status{State: tunnel.Online,
				URL: "https://office.ngrok-free.dev"}})()
		}, ready: func() bool {
			return u.onUIText(func() string { return fmt.Sprint(!m.road.silent.Hidden) }) == "true"
		}, check: m.checkNotClipped},
		{name: "road-4-settings", setup: func() error {
			m.road.tour, m.road.tourIncident = nil, ""
			m.requestRefresh()
			u.showRoadSettings()
			u.settingsWin = u.roadWin // the wizard's first scene closes it
			return nil
		}, ready: func() bool {
			return u.onUIText(func() string { return fmt.Sprint(u.roadWin != nil && u.roadTour.form != nil) }) == "true"
		}},
		// The own address typed over plain http: refused, naming the field.
		{name: "road-5-settings-own-refused", setup: func() error {
			f := u.roadTour.form
			f.set(config.RoadOwn)
			f.publicURL.SetText("http://pbx.example.ru")
			u.roadTour.save.OnTapped()
			return nil
		}, ready: func() bool {
			want := u.roadTour.form.errorText(&vm.RoadFieldError{Field: "public-url", Value: "http://pbx.example.ru"})
			return u.onUIText(func() string { return u.roadTour.status.Text }) == want
		}},
	}
}
