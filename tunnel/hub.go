package tunnel

import "sync"

// hub fans state changes out to subscribers, in order, remembering the last
// one so a new subscriber starts with the current state. A slow subscriber
// never blocks the tunnel: each has a buffered queue and a full queue drops
// the oldest pending change (the latest state always arrives).
type hub struct {
	mu   sync.Mutex
	last Status
	subs map[int]*sub
	next int
}

type sub struct {
	ch      chan Status
	pending []Status
	wake    chan struct{}
	done    chan struct{}
}

const subQueue = 64

func newHub(initial Status) *hub {
	return &hub{last: initial, subs: map[int]*sub{}}
}

// Current returns the last published status.
func (h *hub) Current() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Publish records s and sends it to every subscriber.
func (h *hub) Publish(s Status) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = s
	for _, su := range h.subs {
		su.push(s)
	}
}

func (su *sub) push(s Status) {
	if len(su.pending) >= subQueue {
		su.pending = su.pending[1:]
	}
	su.pending = append(su.pending, s)
	select {
	case su.wake <- struct{}{}:
	default:
	}
}

// Subscribe implements Tunnel.Subscribe.
func (h *hub) Subscribe() (<-chan Status, func()) {
	h.mu.Lock()
	id := h.next
	h.next++
	su := &sub{ch: make(chan Status), wake: make(chan struct{}, 1), done: make(chan struct{})}
	su.push(h.last)
	h.subs[id] = su
	h.mu.Unlock()

	go func() {
		defer close(su.ch)
		for {
			h.mu.Lock()
			var s Status
			have := len(su.pending) > 0
			if have {
				s = su.pending[0]
				su.pending = su.pending[1:]
			}
			h.mu.Unlock()
			if !have {
				select {
				case <-su.wake:
					continue
				case <-su.done:
					return
				}
			}
			select {
			case su.ch <- s:
			case <-su.done:
				return
			}
		}
	}()
	var once sync.Once
	return su.ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			close(su.done)
		})
	}
}
