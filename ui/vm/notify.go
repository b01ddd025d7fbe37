package vm

import (
	"mangotqm/app/calls"
	"sync"
)

// Notifier decides which incidents deserve an OS notification: one per
// incident (by id), never one per call, and none while muted. Safe for
// concurrent use.
type Notifier struct {
	mu     sync.Mutex
	seen   map[int64]bool
	primed bool
	muted  bool
}

// SetMuted turns notifications off or on.
func (n *Notifier) SetMuted(m bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.muted = m
}

// Muted reports whether notifications are off.
func (n *Notifier) Muted() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.muted
}

// New returns the incidents to notify about now. The first call only
// remembers what is already open (no burst of old notifications at start);
// an incident that opens while muted is not notified later either.
func (n *Notifier) New(open []calls.Incident) []calls.Incident {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[int64]bool{}
	}
	var out []calls.Incident
	for _, in := range open {
		if n.seen[in.ID] {
			continue
		}
		n.seen[in.ID] = true
		if n.primed && !n.muted {
			out = append(out, in)
		}
	}
	n.primed = true
	return out
}
