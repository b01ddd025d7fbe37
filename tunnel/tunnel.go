// Package tunnel gives the receiver a place to listen and the public base URL
// Mango must call: either an ngrok endpoint (the office PC has no public
// address) or a plain local listener for the office's own address (a router
// port forward, a reverse proxy, a VPS), optionally answering only Mango's
// source addresses (AllowList). The third road, polling Mango's statistics,
// needs no listener and lives in app/reconcile and app/bridge.
//
// A listening road is a Tunnel: another provider (e.g. tuna.am, once its Go
// module can be fetched) is one file implementing Tunnel, plus its case in
// app/bridge's newTunnel.
package tunnel

import (
	"context"
	"net"
	"time"
)

// State of a tunnel.
type State string

const (
	Connecting State = "connecting"
	Online     State = "online"
	Offline    State = "offline"
)

// Status is one state change. Message is a plain, user-facing explanation
// (already translated key; see MessageKey) when offline.
type Status struct {
	State      State
	URL        string    // public base URL when online, e.g. https://x.ngrok-free.dev
	Since      time.Time // when this state began
	Code       string    // ngrok error code (ERR_NGROK_108) when known
	MessageKey string    // i18n key of the plain message (assets/i18n), "" when none
	Detail     string    // technical detail for logs (never contains secrets)
	NextRetry  time.Time // when offline and a retry is scheduled
}

// Tunnel opens the listening side of the receiver.
type Tunnel interface {
	// Start opens the tunnel. It returns the listener to serve HTTP on and the
	// public base URL (no trailing slash) once ready, or an error when ctx
	// ends or the failure is permanent. It never blocks past ctx.
	Start(ctx context.Context) (net.Listener, string, error)
	// Subscribe returns a channel of state changes, delivered in order, and a
	// function that ends the subscription. The current state is sent first.
	Subscribe() (<-chan Status, func())
	// Close closes the listener and stops reconnecting.
	Close() error
}
