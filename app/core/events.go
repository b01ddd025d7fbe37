package core

import (
	"sync"
	"time"
)

// EventKind says what changed.
type EventKind string

const (
	EventCall     EventKind = "call"     // a call was stored or its delivery state changed (CallRow set)
	EventTunnel   EventKind = "tunnel"   // tunnel state changed
	EventIncident EventKind = "incident" // an incident opened or cleared
	EventDelivery EventKind = "delivery" // delivery paused or resumed
)

// Event tells subscribers (the window, the tray) that something changed;
// they re-read what they show. Events may be coalesced or dropped for a slow
// subscriber, never reordered.
type Event struct {
	Kind    EventKind
	CallRow int64
	At      time.Time
	// Incident fields, for EventIncident.
	IncidentKind string
	Opened       bool   // true: opened, false: cleared
	MessageKey   string // i18n key of the incident's message
	Message      string // rendered message (Russian / English as configured)
}

// bus fans events out without ever blocking the publisher.
type bus struct {
	mu   sync.Mutex
	subs map[int]chan Event
	next int
}

func newBus() *bus { return &bus{subs: map[int]chan Event{}} }

func (b *bus) publish(e Event) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		select {
		case ch <- e:
		default: // slow subscriber: it will re-read state on its next event
		}
	}
}

// Subscribe returns a channel of events and a function to stop.
func (b *bus) Subscribe() (<-chan Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	ch := make(chan Event, 256)
	b.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
			close(ch)
		})
	}
}
