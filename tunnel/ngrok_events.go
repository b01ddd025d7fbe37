// ngrok-go's events turned into Status, and the small waits they use.

package tunnel

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// onEvent translates ngrok-go events into states. ngrok-go calls it on its own
// goroutine and it must not block: it only takes n.mu briefly and publishes
// into the hub, which queues.
func (n *Ngrok) onEvent(gen uint64, e ngrok.Event) {
	switch ev := e.(type) {
	case *ngrok.EventAgentConnectSucceeded:
		n.mu.Lock()
		defer n.mu.Unlock()
		if gen != n.gen {
			return
		}
		n.sdkFails = 0
		if n.phase == phaseReconnecting {
			// ngrok-go re-binds the endpoint before it reports a reconnect.
			n.phase = phaseOnline
			n.lastErr = nil
			n.publishLocked(Status{State: Online, URL: n.url})
		}
	case *ngrok.EventAgentDisconnected:
		n.mu.Lock()
		defer n.mu.Unlock()
		if gen != n.gen {
			return
		}
		if ev.Error == nil { // ngrok-go stopped reconnecting
			if n.phase == phaseOnline || n.phase == phaseReconnecting {
				n.lostOnce.Do(func() { close(n.lost) })
			}
			return
		}
		code, key := Explain(ev.Error)
		if code == "" && errors.Is(ev.Error, context.Canceled) {
			return // our own cancel
		}
		n.sdkFails++
		switch n.phase {
		case phaseAttempting:
			n.lastErr, n.attemptErr = ev.Error, ev.Error
			if cur := n.states.Current(); cur.MessageKey != key || cur.Code != code {
				n.publishLocked(Status{State: Connecting, Code: code, MessageKey: key, Detail: ev.Error.Error()})
			}
			if needsAdmin[key] {
				select {
				case n.abort <- ev.Error:
				default:
				}
			}
		case phaseOnline, phaseReconnecting:
			if code == "" && key == KeyUnknown {
				key = KeyLost
			}
			n.phase = phaseReconnecting
			n.lastErr = ev.Error
			wait := min(sdkBackoffMin<<min(n.sdkFails-1, 10), sdkBackoffMax)
			n.publishLocked(Status{State: Offline, Code: code, MessageKey: key,
				Detail: ev.Error.Error(), NextRetry: n.cfg.Clock.Now().Add(wait)})
		}
	}
}

// endpointDead is called by the relay when the current endpoint's Accept fails.
func (n *Ngrok) endpointDead(ln net.Listener) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ep == ln && n.lostOnce != nil {
		n.lostOnce.Do(func() { close(n.lost) })
	}
}

// publishLocked publishes s (n.mu held). A repeated state keeps its Since,
// so the UI can say "down since…"; Detail never holds the authtoken.
func (n *Ngrok) publishLocked(s Status) {
	now := n.cfg.Clock.Now()
	s.Since = now
	if cur := n.states.Current(); cur.State == s.State && s.MessageKey != KeyClosed {
		s.Since = cur.Since
	}
	s.Detail = n.redact(s.Detail)
	n.states.Publish(s)
}

func (n *Ngrok) attemptFinishedLocked() {
	close(n.attemptDone)
	n.attemptDone = make(chan struct{})
}

func (n *Ngrok) redact(s string) string {
	if n.cfg.Authtoken == "" {
		return s
	}
	return strings.ReplaceAll(s, n.cfg.Authtoken, "[authtoken]")
}

// sleep waits d or until Close; false means closed.
func (n *Ngrok) sleep(d time.Duration) bool { return n.cfg.Clock.Sleep(n.life, d) == nil }

// bounded runs f and waits for it at most d (f keeps running if late).
func (n *Ngrok) bounded(d time.Duration, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-n.cfg.Clock.After(d):
	}
}
