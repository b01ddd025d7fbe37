// The ngrok session: attempts to connect, retried with backoff until Close.

package tunnel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jpillora/backoff"
	"golang.ngrok.com/ngrok/v2"
)

// supervise runs attempts until Close.
func (n *Ngrok) supervise() {
	defer close(n.done)
	// Exponential from RetryMin to RetryMax, with jitter so that many
	// offices behind one outage do not reconnect in step.
	bo := &backoff.Backoff{Min: n.cfg.RetryMin, Max: n.cfg.RetryMax, Factor: 2, Jitter: true}
	for n.life.Err() == nil {
		n.mu.Lock()
		if n.phase == phaseClosed {
			n.mu.Unlock()
			return
		}
		n.phase = phaseAttempting
		n.sdkFails = 0
		n.attemptErr = nil
		// While it tries again, the reason of the last failure stays
		// known: the window keeps showing it.
		next := Status{State: Connecting}
		if n.lastErr != nil {
			next.Code, next.MessageKey = Explain(n.lastErr)
			next.Detail = n.lastErr.Error()
		}
		n.publishLocked(next)
		n.mu.Unlock()

		ep, ag, stop, err := n.attempt()
		if err != nil {
			if n.life.Err() != nil {
				return
			}
			code, key := Explain(err)
			wait := bo.Duration()
			if needsAdmin[key] {
				wait = n.cfg.RetryMax
			}
			n.log.Warn("ngrok tunnel: could not go online; will retry",
				"code", code, "message", key, "retry_in", wait, "err", n.redact(err.Error()))
			n.mu.Lock()
			if n.phase == phaseClosed {
				n.mu.Unlock()
				return
			}
			n.phase = phaseWaiting
			n.lastErr = err
			n.publishLocked(Status{State: Offline, Code: code, MessageKey: key,
				Detail: err.Error(), NextRetry: n.cfg.Clock.Now().Add(wait)})
			n.attemptFinishedLocked()
			n.mu.Unlock()
			if !n.sleep(wait) {
				return
			}
			continue
		}

		bo.Reset()
		u := ep.URL().String()
		lost := make(chan struct{})
		n.mu.Lock()
		if n.phase == phaseClosed {
			n.mu.Unlock()
			n.teardown(ep, ag, stop)
			return
		}
		n.phase = phaseOnline
		n.url = strings.TrimRight(u, "/")
		n.ep = ep
		n.lost, n.lostOnce = lost, &sync.Once{}
		n.lastErr = nil
		n.publishLocked(Status{State: Online, URL: n.url})
		n.attemptFinishedLocked()
		n.mu.Unlock()
		n.relay.set(ep)
		n.log.Info("ngrok tunnel online", "url", u)

		select {
		case <-n.life.Done():
		case <-ep.Done():
		case <-lost:
		}
		n.relay.drop(ep)
		n.teardown(ep, ag, stop)
		if n.life.Err() != nil {
			return
		}
		n.log.Warn("ngrok tunnel: endpoint lost; starting again")
		n.mu.Lock()
		if n.phase == phaseClosed {
			n.mu.Unlock()
			return
		}
		n.phase = phaseWaiting
		n.ep = nil
		n.lastErr = errors.New("ngrok endpoint closed")
		wait := bo.Duration()
		n.publishLocked(Status{State: Offline, MessageKey: KeyLost, NextRetry: n.cfg.Clock.Now().Add(wait)})
		n.mu.Unlock()
		if !n.sleep(wait) {
			return
		}
	}
}

// attempt creates an agent and binds the endpoint, bounded by StartTimeout.
// On success the caller owns ep, ag and stop (which ends the session).
func (n *Ngrok) attempt() (ngrok.EndpointListener, ngrok.Agent, context.CancelFunc, error) {
	// The session lives as long as this context: ngrok-go keeps using the
	// context given to Connect for its reconnect loop, so it must not be a
	// timeout context. The attempt is bounded by a timer instead.
	ctx, cancel := context.WithCancel(n.life)
	abort := make(chan error, 1)
	n.mu.Lock()
	n.gen++
	gen := n.gen
	n.abort = abort
	n.mu.Unlock()

	opts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(n.cfg.Authtoken),
		ngrok.WithClientInfo("mangotqm", n.cfg.Version),
		ngrok.WithLogger(n.log),
		ngrok.WithEventHandler(func(e ngrok.Event) { n.onEvent(gen, e) }),
	}
	if n.cfg.ConnectURL != "" {
		opts = append(opts, ngrok.WithAgentConnectURL(n.cfg.ConnectURL))
	}
	opts = append(opts, n.cfg.AgentOptions...)
	ag, err := ngrok.NewAgent(opts...)
	if err != nil {
		cancel()
		return nil, nil, nil, fmt.Errorf("create ngrok agent: %w", err)
	}
	var epOpts []ngrok.EndpointOption
	if n.cfg.URL != "" {
		epOpts = append(epOpts, ngrok.WithURL(n.cfg.URL))
	}
	if n.policy != "" {
		epOpts = append(epOpts, ngrok.WithTrafficPolicy(n.policy))
	}
	epOpts = append(epOpts, ngrok.WithDescription("mangotqm webhook receiver"))

	type result struct {
		ep  ngrok.EndpointListener
		err error
	}
	results := make(chan result, 1)
	go func() {
		ep, err := ag.Listen(ctx, epOpts...)
		results <- result{ep, err}
	}()
	timeout := n.cfg.Clock.After(n.cfg.StartTimeout)

	var fail error
	select {
	case r := <-results:
		if r.err == nil {
			return r.ep, ag, cancel, nil
		}
		fail = r.err
	case <-timeout:
		fail = fmt.Errorf("%w (%s)", ErrNoAnswer, n.cfg.StartTimeout)
	case err := <-abort:
		fail = err
	case <-n.life.Done():
		fail = ErrClosed
	}

	// Give up on this attempt: ignore its events, end its session.
	n.mu.Lock()
	if n.gen == gen {
		n.gen++
	}
	last := n.attemptErr
	n.mu.Unlock()
	cancel()
	go n.bounded(closeTimeout, func() { _ = ag.Disconnect() })
	select {
	case r := <-results:
		if r.ep != nil {
			n.bounded(closeTimeout, func() { _ = r.ep.Close() })
		}
	case <-n.cfg.Clock.After(closeTimeout):
		n.log.Warn("ngrok tunnel: Listen did not return after cancel")
	}
	if errors.Is(fail, ErrNoAnswer) && last != nil {
		fail = errors.Join(fail, last) // say why (dial error, auth error…)
	}
	return nil, nil, nil, fail
}

// teardown unbinds the endpoint (bounded), then ends the session.
func (n *Ngrok) teardown(ep ngrok.EndpointListener, ag ngrok.Agent, stop context.CancelFunc) {
	n.mu.Lock()
	n.gen++
	n.ep = nil
	n.mu.Unlock()
	n.bounded(closeTimeout, func() { _ = ep.Close() })
	n.bounded(closeTimeout, func() { _ = ag.Disconnect() })
	stop()
}
