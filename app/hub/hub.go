// Package hub owns the one way mangotqm fans out changes: a generic hub that
// keeps the last published value, so a new subscriber starts with the
// current state, and never blocks its publisher. The bridge uses it for its
// events, the tunnel for its states.
package hub

import "sync"

// QueueLen is how many values a subscriber may fall behind before the
// oldest pending one is dropped (the latest value always arrives).
const QueueLen = 64

// Hub fans values out to subscribers, in order, remembering the last one.
// The zero value is not usable; call New.
type Hub[T any] struct {
	mu   sync.Mutex
	last T
	subs map[int]*sub[T]
	next int
}

type sub[T any] struct {
	ch      chan T
	pending []T
	wake    chan struct{}
	done    chan struct{}
}

// New returns a hub whose current value is initial.
func New[T any](initial T) *Hub[T] {
	return &Hub[T]{last: initial, subs: map[int]*sub[T]{}}
}

// Current returns the last published value.
func (h *Hub[T]) Current() T {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Publish records v and sends it to every subscriber without blocking.
func (h *Hub[T]) Publish(v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = v
	for _, su := range h.subs {
		su.push(v)
	}
}

func (su *sub[T]) push(v T) {
	if len(su.pending) >= QueueLen {
		su.pending = su.pending[1:]
	}
	su.pending = append(su.pending, v)
	select {
	case su.wake <- struct{}{}:
	default:
	}
}

// Subscribe returns a channel that first delivers the current value, then
// every published one, and a function that stops the subscription and
// closes the channel.
func (h *Hub[T]) Subscribe() (<-chan T, func()) {
	h.mu.Lock()
	id := h.next
	h.next++
	su := &sub[T]{ch: make(chan T), wake: make(chan struct{}, 1), done: make(chan struct{})}
	su.push(h.last)
	h.subs[id] = su
	h.mu.Unlock()

	go func() {
		defer close(su.ch)
		for {
			h.mu.Lock()
			var v T
			have := len(su.pending) > 0
			if have {
				v = su.pending[0]
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
			case su.ch <- v:
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
