package hub

import (
	"testing"
	"time"
)

func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no value within 5 s")
	}
	panic("unreachable")
}

func TestDeliversCurrentThenEveryChangeInOrder(t *testing.T) {
	h := New(-1)
	ch, stop := h.Subscribe()
	defer stop()
	if v := next(t, ch); v != -1 {
		t.Fatalf("first value %d, want the current one", v)
	}
	go func() {
		for i := range QueueLen { // all fit in the queue: none may be dropped
			h.Publish(i)
		}
	}()
	for i := range QueueLen {
		if v := next(t, ch); v != i {
			t.Fatalf("value %d arrived as %d: out of order", i, v)
		}
	}
	if h.Current() != QueueLen-1 {
		t.Fatalf("Current() = %d", h.Current())
	}
}

func TestSlowSubscriberNeverBlocksAndGetsTheLatest(t *testing.T) {
	h := New("start")
	ch, stop := h.Subscribe()
	defer stop()
	// Nobody reads while far more than the queue is published: Publish
	// must return, and the subscriber must still end on the latest value.
	for i := range 10 * QueueLen {
		h.Publish(string(rune('a' + i%26)))
	}
	h.Publish("latest")
	var last string
	for last != "latest" {
		last = next(t, ch)
	}
}

func TestStopClosesTheChannel(t *testing.T) {
	h := New(0)
	ch, stop := h.Subscribe()
	next(t, ch)
	stop()
	stop() // twice is fine
	select {
	case _, ok := <-ch:
		if ok {
			for range ch {
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after stop")
	}
	h.Publish(1) // no subscriber left: must not block or panic
}
