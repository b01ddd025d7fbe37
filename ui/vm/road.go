package vm

// The road Mango's calls take (config.Road): the choices the wizard and
// Settings offer, and the header's road line.

import (
	"context"
	"errors"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/tunnel"
)

// RoadChoice is one road offered to the admin.
type RoadChoice struct {
	Kind     config.RoadKind
	TitleKey string // the road's name
	NeedKey  string // one sentence: what it needs and how fast calls arrive
	// Available is false when the saved secrets do not allow the road;
	// WhyNotKey then says why and what to do.
	Available bool
	WhyNotKey string
}

// RoadChoices lists the three roads; vpbxStored says whether the VPBX code
// and signing key are saved (the poll road needs them).
func RoadChoices(vpbxStored bool) []RoadChoice {
	out := []RoadChoice{
		{Kind: config.RoadNgrok, TitleKey: "road.ngrok.title", NeedKey: "road.ngrok.need", Available: true},
		{Kind: config.RoadOwn, TitleKey: "road.own.title", NeedKey: "road.own.need", Available: true},
		{Kind: config.RoadPoll, TitleKey: "road.poll.title", NeedKey: "road.poll.need", Available: vpbxStored},
	}
	if !vpbxStored {
		out[2].WhyNotKey = "road.poll.why_not"
	}
	return out
}

// SwitchChoices are the roads offered in one click when ngrok refused
// (the header and the wizard's last page): those other than ngrok that the
// saved secrets allow. The own address needs its address first, so it
// opens the road page instead of switching at once.
func SwitchChoices(vpbxStored bool) []RoadChoice {
	var out []RoadChoice
	for _, c := range RoadChoices(vpbxStored) {
		if c.Kind != config.RoadNgrok && c.Available {
			out = append(out, c)
		}
	}
	return out
}

// OfferSwitch reports whether the tunnel's state is a refusal ngrok will
// not get over from this office (ERR_NGROK_9040, 727, 22001).
func OfferSwitch(s tunnel.Status) bool { return tunnel.SuggestsOtherRoad(s.MessageKey) }

// OfferSwitchIn reports whether the header should offer another road: on
// ngrok, the tunnel or its self-probe met a refusal.
func OfferSwitchIn(h Header) bool {
	return h.Road.Kind == bridge.TunnelNgrok && (OfferSwitch(h.Tunnel) || OfferSwitch(h.Road.Refusal))
}

// Roader is a Backend that has a road (*bridge.Bridge; demo mode's has
// none to show).
type Roader interface {
	RoadStatus() bridge.RoadStatus
}

// RoadLine is the header's line about the road.
type RoadLine struct {
	Kind   bridge.TunnelKind // "" when the backend has no road to show
	Key    string            // road.line.*
	Data   map[string]any
	Failed bool // the last poll failed (poll road)
	// Reason (poll road, failed): the reconcile line's reason key and its
	// detail.
	ReasonKey, Error string
	// Refusal: ngrok refused through the self-probe (ERR_NGROK_727).
	Refusal tunnel.Status
}

// EveryKey renders a poll interval: "every minute", "every 30 s",
// "every 2 min".
func EveryKey(d time.Duration) (string, map[string]any) {
	switch {
	case d == time.Minute:
		return "road.every.minute", nil
	case d < time.Minute || d%time.Minute != 0:
		return "road.every.seconds", map[string]any{"N": int(d / time.Second)}
	}
	return "road.every.minutes", map[string]any{"N": int(d / time.Minute)}
}

// RoadLineOf turns the road's state into the header line.
func RoadLineOf(s bridge.RoadStatus) RoadLine {
	l := RoadLine{Kind: s.Kind, Data: map[string]any{}, Refusal: s.Refusal}
	switch s.Kind {
	case bridge.TunnelPoll:
		l.Data["Every"] = s.Every
		switch {
		case s.NoKeys:
			l.Key, l.Failed = "road.line.poll_no_keys", true
		case !s.HasLast:
			l.Key = "road.line.poll_first"
		case s.Last.Err != nil:
			rl := ReconcileLineOf(s.Last)
			l.Key, l.Failed, l.ReasonKey, l.Error = "road.line.poll_failed", true, rl.ReasonKey, rl.Error
			l.Data["Time"] = rl.Time
		default:
			l.Key = "road.line.poll"
			l.Data["Time"] = s.Last.At.Local().Format("15:04")
			l.Data["New"] = s.Last.New
		}
	case bridge.TunnelNone:
		l.Key = "road.line.own"
		l.Data["URL"] = s.Tunnel.URL
	default:
		l.Key = "road.line.ngrok"
	}
	return l
}

// LoadRoadLine reads b's road (none when b has no road).
func LoadRoadLine(b any) (RoadLine, tunnel.State) {
	r, ok := b.(Roader)
	if !ok {
		return RoadLine{}, ""
	}
	s := r.RoadStatus()
	l := RoadLineOf(s)
	if s.Kind != bridge.TunnelPoll {
		return l, s.Tunnel.State
	}
	// The poll road has no tunnel: its state is the last poll's.
	switch {
	case s.NoKeys:
		return l, tunnel.Offline
	case !s.HasLast:
		return l, tunnel.Connecting
	case s.Last.Err != nil:
		return l, tunnel.Offline
	}
	return l, tunnel.Online
}

// RoadSwitcher applies a road (*bridge.Bridge through the window's
// runner).
type RoadSwitcher interface {
	Config() config.Config
	SetConfig(ctx context.Context, c config.Config) error
}

// RoadFieldError: a field of the road page is not valid. Field is the
// setting's flag name (public-url, listen, poll-every); Value what was typed.
type RoadFieldError struct {
	Field, Value string
	Err          error
}

func (e *RoadFieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *RoadFieldError) Unwrap() error { return e.Err }

// checkRoadFields checks the fields the road uses, naming the first bad one.
func checkRoadFields(r config.Road) error {
	if r.Kind == config.RoadOwn {
		if err := config.CheckPublicURL(r.PublicURL); err != nil {
			return &RoadFieldError{Field: "public-url", Value: r.PublicURL, Err: err}
		}
		if err := config.CheckListen(r.Listen); err != nil {
			return &RoadFieldError{Field: "listen", Value: r.Listen, Err: err}
		}
	}
	if d := time.Duration(r.PollEvery); d < config.MinPollEvery || d > config.MaxPollEvery {
		return &RoadFieldError{Field: "poll-every", Value: d.String(), Err: errors.New("not between 30s and 1h")}
	}
	return nil
}

// ErrRoadNotAllowed: the chosen road needs secrets that are not saved.
var ErrRoadNotAllowed = errors.New("road: the saved secrets do not allow it")

// SwitchRoad saves the road kind (other road settings kept) — the
// one-click switch. The poll road is refused without the VPBX keys.
func SwitchRoad(ctx context.Context, b RoadSwitcher, kind config.RoadKind, vpbxStored bool) error {
	if kind == config.RoadPoll && !vpbxStored {
		return ErrRoadNotAllowed
	}
	c := b.Config()
	c.Road.Kind = kind
	return b.SetConfig(ctx, c)
}

// SaveRoad validates and saves a road from the road page: the own
// address's listen address and public URL (tidied), the allow-list, the
// poll interval typed as a duration ("1m", "90s"). Errors name the field.
func SaveRoad(ctx context.Context, b RoadSwitcher, r config.Road, pollEvery string, vpbxStored bool) error {
	if r.Kind == config.RoadPoll && !vpbxStored {
		return ErrRoadNotAllowed
	}
	c := b.Config()
	r.PublicURL = config.NormalizePublicURL(r.PublicURL)
	if pollEvery != "" {
		d, err := time.ParseDuration(pollEvery)
		if err != nil {
			return &RoadFieldError{Field: "poll-every", Value: pollEvery, Err: errors.New("not a duration like 1m")}
		}
		r.PollEvery = config.Duration(d)
	} else if r.PollEvery == 0 {
		r.PollEvery = c.Road.PollEvery
	}
	if r.Listen == "" {
		r.Listen = config.DefaultListen
	}
	if err := checkRoadFields(r); err != nil {
		return err
	}
	c.Road = r
	if err := c.Validate(); err != nil {
		return err
	}
	return b.SetConfig(ctx, c)
}
