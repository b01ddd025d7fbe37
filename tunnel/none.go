package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"mangotqm/app/clock"
	"mangotqm/app/hub"
)

// None listens on a local address; the public URL is http://<addr> (or the
// PublicURL given, for setups behind a reverse proxy).
type None struct {
	Addr      string // e.g. 127.0.0.1:8787; ":0" picks a free port
	PublicURL string // optional base URL that reaches Addr from outside
	// Allow, when set, answers only its source addresses (own address with
	// Mango's published addresses).
	Allow *AllowList
	// Clock stamps the states (default clock.Real).
	Clock clock.Clock

	states *hub.Hub[Status]
	mu     sync.Mutex
	ln     net.Listener
}

// NewNone returns a local-listener tunnel.
func NewNone(addr, publicURL string) *None {
	return &None{Addr: addr, PublicURL: publicURL,
		states: hub.New(Status{State: Connecting, Since: clock.Real{}.Now()})}
}

// Start implements Tunnel.
func (n *None) Start(ctx context.Context) (net.Listener, string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", n.Addr)
	if err != nil {
		n.states.Publish(Status{State: Offline, Since: clock.Or(n.Clock).Now(), MessageKey: "tunnel.local.listen_failed",
			Detail: err.Error()})
		return nil, "", fmt.Errorf("listen on %s: %w", n.Addr, err)
	}
	if n.Allow != nil {
		ln = n.Allow.Listener(ln)
	}
	n.mu.Lock()
	n.ln = ln
	n.mu.Unlock()
	url := n.PublicURL
	if url == "" {
		url = "http://" + ln.Addr().String()
	}
	n.states.Publish(Status{State: Online, URL: url, Since: clock.Or(n.Clock).Now()})
	return ln, url, nil
}

// Close implements Tunnel.
func (n *None) Close() error {
	n.mu.Lock()
	ln := n.ln
	n.ln = nil
	n.mu.Unlock()
	n.states.Publish(Status{State: Offline, Since: clock.Or(n.Clock).Now(), MessageKey: "tunnel.closed"})
	if ln == nil {
		return nil
	}
	if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close listener: %w", err)
	}
	return nil
}

// Subscribe implements Tunnel.Subscribe.
func (n *None) Subscribe() (<-chan Status, func()) { return n.states.Subscribe() }
