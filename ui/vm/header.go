package vm

import (
	"context"
	"fmt"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/tunnel"
)

// Health is the overall state shown by the tray icon.
type Health int

const (
	HealthGood      Health = iota // all well
	HealthAttention               // something needs a look (paused, calls need attention, tunnel connecting)
	HealthError                   // calls failed, tunnel offline, an open incident
)

// Header is the status header and the tray state.
type Header struct {
	TunnelState tunnel.State
	TunnelKey   string        // i18n key of the tunnel problem, if any
	Tunnel      tunnel.Status // the whole status: its message's fields (error code…)
	URL         string        // calltracking webhook URL ("" until the tunnel is online)
	Endpoints   []bridge.Endpoint
	Paused      bool
	Counts      calls.Counts
	Incidents   []calls.Incident
	Health      Health
	Demo        bool
	Reconcile   ReconcileLine // the last reconcile with Mango (vm/reconcile.go)
	Road        RoadLine      // the road and its state (vm/road.go)
}

// HeaderSource is what the header reads: the counts and incidents (of the
// CallLog), the road (Tunnel), the pause (Deliveries) and whether it is the
// demo (Place). A source that is also a Reconciler or a Roader shows those
// lines too.
type HeaderSource interface {
	Counts(ctx context.Context) (calls.Counts, error)
	Incidents(ctx context.Context) ([]calls.Incident, error)
	Endpoints() []bridge.Endpoint
	TunnelStatus() tunnel.Status
	Paused() bool
	Demo() bool
}

// LoadHeader reads the header state.
func LoadHeader(ctx context.Context, b HeaderSource) (Header, error) {
	counts, err := b.Counts(ctx)
	if err != nil {
		return Header{}, fmt.Errorf("load counts: %w", err)
	}
	inc, err := b.Incidents(ctx)
	if err != nil {
		return Header{}, fmt.Errorf("load incidents: %w", err)
	}
	ts := b.TunnelStatus()
	h := Header{TunnelState: ts.State, TunnelKey: ts.MessageKey, Tunnel: ts, Endpoints: b.Endpoints(), Paused: b.Paused(),
		Counts: counts, Incidents: inc, Demo: b.Demo()}
	if len(h.Endpoints) > 0 {
		h.URL = h.Endpoints[0].URL
	}
	h.Reconcile = LoadReconcileLine(b)
	var st tunnel.State
	if !h.Demo { // the demo's local address is not a road
		if h.Road, st = LoadRoadLine(b); h.Road.Kind == bridge.TunnelPoll {
			h.TunnelState = st // no tunnel: the last poll's state
		}
	}
	h.TunnelState = SteadyState(h.TunnelState, h.TunnelKey) // no flip while it retries
	h.Health = HealthOf(h)
	return h, nil
}

// HealthOf decides the tray colour.
func HealthOf(h Header) Health {
	switch {
	case h.TunnelState == tunnel.Offline || h.Counts.Failed > 0 || len(h.Incidents) > 0:
		return HealthError
	case h.Paused || h.Counts.Attention > 0 || h.TunnelState == tunnel.Connecting:
		return HealthAttention
	}
	return HealthGood
}

// HealthKey is the i18n key of the tray tooltip's first line.
func HealthKey(h Health) string {
	return [...]string{"ui.health.good", "ui.health.attention", "ui.health.error"}[h]
}

// TunnelKey is the i18n key of the tunnel state label.
func TunnelKey(s tunnel.State) string {
	switch s {
	case tunnel.Online:
		return "ui.tunnel.online"
	case tunnel.Offline:
		return "ui.tunnel.offline"
	}
	return "ui.tunnel.connecting"
}

// CountsData fills the "ui.counts" text.
func CountsData(c calls.Counts) map[string]any {
	return map[string]any{"Waiting": c.Waiting, "Sending": c.Sending,
		"Failed": c.Failed + c.Attention, "Delivered": c.DeliveredToday}
}

// Tray is what the tray icon and menu show.
type Tray struct {
	Health   Health
	Tooltip  string // i18n key (HealthKey)
	PauseKey string // label of the Pause/Resume item
	CanCopy  bool   // a webhook URL exists to copy
}

// TrayOf derives the tray state from the header.
func TrayOf(h Header) Tray {
	t := Tray{Health: h.Health, Tooltip: HealthKey(h.Health), PauseKey: "ui.action.pause", CanCopy: h.URL != ""}
	if h.Paused {
		t.PauseKey = "ui.action.resume"
	}
	return t
}
