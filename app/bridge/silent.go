package bridge

// Silent webhooks: on the ngrok or own-address road, while the road says
// online, the reconcile finds answered inbound calls on tracking lines
// (numbers seen in calltracking webhooks' "number") that no webhook
// brought: Mango's webhooks are not reaching the bridge. One incident,
// closed when webhooks arrive again.

import (
	"context"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/reconcile"
	"mangotqm/tunnel"
)

// IncidentSilentWebhooks: calls found only by the reconcile.
const IncidentSilentWebhooks = "silent_webhooks"

// silentLook: how far back the reconcile's finds are counted.
const silentLook = time.Hour

// afterReconcile checks the run's finds for silent webhooks.
func (b *Bridge) afterReconcile(res reconcile.Result) {
	if res.Err != nil || b.opts.Demo {
		return
	}
	road := b.Road()
	if road == TunnelPoll {
		b.webhooksArrive() // no webhooks on this road: nothing is silent
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := b.opts.Clock.Now()
	hook, err := b.store.List(ctx, calls.Filter{Sources: []calls.Source{calls.SourceCalltracking}, Since: now.Add(-7 * 24 * time.Hour), Limit: 2000})
	if err != nil {
		return
	}
	found, err := b.store.List(ctx, calls.Filter{Sources: []calls.Source{calls.SourceReconcile}, Since: now.Add(-silentLook), Limit: 2000})
	if err != nil {
		return
	}
	n, lastHook := silentCount(hook, found)
	if n == 0 || lastHook.After(now.Add(-silentLook)) && lastHook.After(latestReceived(found)) {
		b.webhooksArrive()
		return
	}
	if b.TunnelStatus().State != tunnel.Online {
		return // the road itself is down: its own incident says so
	}
	b.road.silent.Store(true)
	b.incident(IncidentSilentWebhooks, true, b.text("road.silent_webhooks", map[string]any{"Count": n}))
}

// webhooksArrive closes the silent-webhooks incident (a calltracking
// webhook was stored); cheap when it is not open.
func (b *Bridge) webhooksArrive() {
	if b.road.silent.Swap(false) {
		b.incident(IncidentSilentWebhooks, false, "")
	}
}

// silentCount counts the answered inbound calls among found (stored by
// the reconcile) whose line is a tracking number seen in the webhooks
// hook; lastHook is when the latest webhook arrived.
func silentCount(hook, found []calls.Call) (n int, lastHook time.Time) {
	lines := map[string]bool{}
	for _, c := range hook {
		if c.Received.After(lastHook) {
			lastHook = c.Received
		}
		if s := c.Parameters()["number"]; calls.NormalizeNumber(s) != "" {
			lines[calls.NormalizeNumber(s)] = true
		}
	}
	for _, c := range found {
		p := c.Parameters()
		if p["direction"] == "inbound" && p["answered"] == "1" && lines[calls.NormalizeNumber(p["lineNumber"])] {
			n++
		}
	}
	return n, lastHook
}

func latestReceived(cs []calls.Call) time.Time {
	var t time.Time
	for _, c := range cs {
		if c.Received.After(t) {
			t = c.Received
		}
	}
	return t
}
