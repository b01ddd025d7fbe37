package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// RoadKind is how Mango's calls reach the bridge.
type RoadKind string

// Roads.
const (
	// RoadNgrok: an ngrok endpoint on the account's dev domain (default).
	RoadNgrok RoadKind = "ngrok"
	// RoadOwn: the office's own address (a router port forward, a reverse
	// proxy or a VPS) forwards to the bridge's listener.
	RoadOwn RoadKind = "own"
	// RoadPoll: no way in; calls are read from Mango's VPBX call
	// statistics every PollEvery.
	RoadPoll RoadKind = "poll"
)

// RoadKinds lists the roads in display order.
var RoadKinds = []RoadKind{RoadNgrok, RoadOwn, RoadPoll}

// Road defaults and limits.
const (
	DefaultPollEvery = time.Minute
	MinPollEvery     = 30 * time.Second
	MaxPollEvery     = time.Hour
	DefaultListen    = "0.0.0.0:8787"
)

// MangoSourceAddrs are the addresses Mango publishes for its realtime
// events (mango.md §3.1: documented for VPBX events, not explicitly for
// calltracking webhooks).
var MangoSourceAddrs = []string{"81.88.80.132", "81.88.80.133", "81.88.82.36", "81.88.82.44", "81.88.82.45"}

// Road is the road setting.
type Road struct {
	Kind RoadKind `json:"kind"`
	// Listen is the local address the own-address road listens on.
	Listen string `json:"listen,omitempty"`
	// PublicURL is the https base URL that reaches Listen from outside
	// (own address).
	PublicURL string `json:"public_url,omitempty"`
	// AllowMangoOnly: the own-address listener answers only Mango's
	// published source addresses (and this computer).
	AllowMangoOnly bool `json:"allow_mango_only,omitempty"`
	// PollEvery is how often the poll road asks Mango's statistics.
	PollEvery Duration `json:"poll_every,omitempty"`
}

// DefaultRoad is the road of a fresh install.
func DefaultRoad() Road {
	return Road{Kind: RoadNgrok, Listen: DefaultListen, PollEvery: Duration(DefaultPollEvery)}
}

// Validate checks the road; errors name the setting by its flag name.
func (r Road) Validate() error {
	var errs []error
	if !oneOf(r.Kind, RoadKinds) {
		errs = append(errs, fmt.Errorf("road: %q is not one of %s", r.Kind, list(RoadKinds)))
	}
	if r.Kind == RoadOwn {
		if err := CheckPublicURL(r.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("public-url: %w", err))
		}
		if err := CheckListen(r.Listen); err != nil {
			errs = append(errs, fmt.Errorf("listen: %w", err))
		}
	}
	if d := time.Duration(r.PollEvery); d < MinPollEvery || d > MaxPollEvery {
		errs = append(errs, fmt.Errorf("poll-every: %s is not between %s and %s", d, MinPollEvery, MaxPollEvery))
	}
	return errors.Join(errs...)
}

// CheckPublicURL accepts an https URL with a host and no query: Mango
// requires HTTPS of the external system (mango.md §3.1).
func CheckPublicURL(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("the public address is empty; give the https address that reaches this computer")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%q is not https: Mango sends only to https addresses", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q has a query or fragment; give the base address only", s)
	}
	return nil
}

// CheckListen accepts host:port with a port.
func CheckListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil || port == "" {
		return fmt.Errorf("%q is not an address like 0.0.0.0:8787", s)
	}
	_ = host
	return nil
}

// NormalizePublicURL trims what a user typed: spaces and a trailing slash.
func NormalizePublicURL(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), "/")
}
