package tunnel

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// AllowList is the set of source addresses the own-address listener
// answers (Mango's published ones; this computer always). Connections from
// elsewhere are closed before a byte is read.
type AllowList struct {
	addrs    map[netip.Addr]bool
	loopback bool // this computer may connect (self-checks, a local proxy)
}

// NewAllowList parses addrs (IPv4 or IPv6, no ports). This computer's
// loopback addresses are always allowed.
func NewAllowList(addrs []string) (*AllowList, error) {
	a := &AllowList{addrs: map[netip.Addr]bool{}, loopback: true}
	for _, s := range addrs {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("allow-list: %q is not an IP address", s)
		}
		a.addrs[ip.Unmap()] = true
	}
	return a, nil
}

// Allows reports whether a connection from addr ("ip:port") is answered.
func (a *AllowList) Allows(addr string) bool {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	return a.addrs[ip] || (a.loopback && ip.IsLoopback())
}

// Listener wraps ln so that Accept returns only allowed connections.
func (a *AllowList) Listener(ln net.Listener) net.Listener { return &allowListener{Listener: ln, a: a} }

type allowListener struct {
	net.Listener
	a *AllowList
}

// Accept implements net.Listener: other sources are closed and skipped.
func (l *allowListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.a.Allows(c.RemoteAddr().String()) {
			return c, nil
		}
		if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			continue
		}
	}
}
