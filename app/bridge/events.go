package bridge

import "time"

// EventKind says what changed.
type EventKind string

// Event kinds.
const (
	EventStarted  EventKind = "started"  // the bridge opened (the hub's first value)
	EventCall     EventKind = "call"     // a call was stored or its delivery state changed (CallRow set)
	EventTunnel   EventKind = "tunnel"   // tunnel state changed
	EventIncident EventKind = "incident" // an incident opened or cleared
	EventDelivery EventKind = "delivery" // delivery paused or resumed
	EventConfig   EventKind = "config"   // the configuration changed and was applied
)

// Event tells subscribers (the window, the tray) that something changed;
// they re-read what they show. A slow subscriber may miss some events (the
// oldest go first), never the latest; events are never reordered.
type Event struct {
	Kind    EventKind
	CallRow int64
	At      time.Time
	// Incident fields, for EventIncident.
	IncidentKind string
	Opened       bool   // true: opened, false: cleared
	Message      string // rendered message (Russian / English as configured)
}

func (b *Bridge) publish(e Event) {
	if e.At.IsZero() {
		e.At = b.opts.Clock.Now()
	}
	b.events.Publish(e)
}

// Subscribe returns live change events (first the latest one) and a
// function to stop.
func (b *Bridge) Subscribe() (<-chan Event, func()) { return b.events.Subscribe() }
