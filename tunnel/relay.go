package tunnel

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// relay is the stable net.Listener handed to the HTTP server. The ngrok
// endpoint behind it may be replaced when the tunnel is rebuilt; Accept waits
// while there is none, and only ever fails with net.ErrClosed (after Close),
// so http.Server.Serve keeps running across reconnects.
type relay struct {
	mu      sync.Mutex
	cur     net.Listener
	changed chan struct{} // closed and replaced whenever cur changes
	closed  bool
	done    chan struct{}
	addr    net.Addr
	onClose func() error          // closes the owner (the tunnel)
	onDead  func(ln net.Listener) // told when an endpoint's Accept fails
}

func newRelay(addr net.Addr) *relay {
	return &relay{changed: make(chan struct{}), done: make(chan struct{}), addr: addr}
}

// set makes ln the endpoint to accept from (nil: none for now).
func (r *relay) set(ln net.Listener) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.cur = ln
	if ln != nil {
		r.addr = ln.Addr()
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// drop forgets ln if it is still the current endpoint.
func (r *relay) drop(ln net.Listener) {
	r.mu.Lock()
	cur := r.cur
	r.mu.Unlock()
	if cur == ln {
		r.set(nil)
	}
}

// Accept implements net.Listener.
func (r *relay) Accept() (net.Conn, error) {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, net.ErrClosed
		}
		cur, changed := r.cur, r.changed
		r.mu.Unlock()
		if cur == nil {
			select {
			case <-changed:
				continue
			case <-r.done:
				return nil, net.ErrClosed
			}
		}
		c, err := safeAccept(cur)
		if err == nil {
			return c, nil
		}
		// The endpoint ended (closed by us on reconnect or by ngrok); wait
		// for its replacement instead of failing the HTTP server.
		r.drop(cur)
		if r.onDead != nil {
			r.onDead(cur)
		}
	}
}

// safeAccept calls ln.Accept, turning a panic inside the SDK (older
// ngrok-go versions had one in Accept) or a nil connection into an error, so a
// broken endpoint cannot take the whole receiver down.
func safeAccept(ln net.Listener) (c net.Conn, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, fmt.Errorf("accept: panic in listener: %v", p)
		}
	}()
	c, err = ln.Accept()
	if err == nil && c == nil {
		err = errors.New("accept: listener returned no connection")
	}
	return c, err
}

// shut stops Accept for good without touching the owner; it reports whether
// this call did it.
func (r *relay) shut() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.closed = true
	r.cur = nil
	close(r.done)
	return true
}

// Close implements net.Listener: the first call also closes the tunnel that
// owns the relay (http.Server.Serve closes its listener when it returns).
func (r *relay) Close() error {
	if r.shut() && r.onClose != nil {
		return r.onClose()
	}
	return nil
}

// Addr implements net.Listener.
func (r *relay) Addr() net.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addr
}

// urlAddr is a net.Addr naming the public URL before an endpoint exists.
type urlAddr string

func (a urlAddr) Network() string { return "ngrok" }
func (a urlAddr) String() string  { return string(a) }
