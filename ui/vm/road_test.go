package vm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/reconcile"
	"mangotqm/tunnel"
	"mangotqm/ui/vm/vmtest"
)

type fakeRoadBackend struct{ c config.Config }

func (f *fakeRoadBackend) Config() config.Config { return f.c }
func (f *fakeRoadBackend) SetConfig(_ context.Context, c config.Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	f.c = c
	return nil
}

func TestRoadChoicesAndSwitch(t *testing.T) {
	for _, tc := range []struct {
		vpbx       bool
		pollOK     bool
		switchKind []config.RoadKind
	}{
		{false, false, []config.RoadKind{config.RoadOwn}},
		{true, true, []config.RoadKind{config.RoadOwn, config.RoadPoll}},
	} {
		ch := RoadChoices(tc.vpbx)
		if len(ch) != 3 || ch[0].Kind != config.RoadNgrok || ch[2].Kind != config.RoadPoll {
			t.Fatalf("choices %+v", ch)
		}
		if ch[2].Available != tc.pollOK || (ch[2].WhyNotKey == "") == !tc.pollOK {
			t.Errorf("vpbx %v: poll available %v, why %q", tc.vpbx, ch[2].Available, ch[2].WhyNotKey)
		}
		var kinds []config.RoadKind
		for _, c := range SwitchChoices(tc.vpbx) {
			kinds = append(kinds, c.Kind)
		}
		if strings.Join(roadStrings(kinds), ",") != strings.Join(roadStrings(tc.switchKind), ",") {
			t.Errorf("vpbx %v: switch offers %v, want %v", tc.vpbx, kinds, tc.switchKind)
		}
	}
	for key, want := range map[string]bool{tunnel.KeyBlockedIP: true, tunnel.KeyQuota: true, tunnel.KeyLocationBlocked: true,
		tunnel.KeySessionLimit: false, "": false} {
		if OfferSwitch(tunnel.Status{MessageKey: key}) != want {
			t.Errorf("OfferSwitch(%q) != %v", key, want)
		}
	}
}

func roadStrings(ks []config.RoadKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestSwitchAndSaveRoad(t *testing.T) {
	ctx := context.Background()
	b := &fakeRoadBackend{c: config.Default()}
	if err := SwitchRoad(ctx, b, config.RoadPoll, false); !errors.Is(err, ErrRoadNotAllowed) || b.c.Road.Kind != config.RoadNgrok {
		t.Fatalf("poll without VPBX keys: %v, road %q", err, b.c.Road.Kind)
	}
	if err := SwitchRoad(ctx, b, config.RoadPoll, true); err != nil || b.c.Road.Kind != config.RoadPoll {
		t.Fatalf("one-click poll: %v, road %q", err, b.c.Road.Kind)
	}
	for _, tc := range []struct {
		name    string
		road    config.Road
		every   string
		wantErr string
	}{
		{"own http", config.Road{Kind: config.RoadOwn, PublicURL: "http://x.ru"}, "", "public-url"},
		{"poll 10s", config.Road{Kind: config.RoadPoll}, "10s", "poll-every"},
		{"poll nonsense", config.Road{Kind: config.RoadPoll}, "often", "poll-every"},
		{"own https, default listen", config.Road{Kind: config.RoadOwn, PublicURL: " https://x.ru/ "}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := SaveRoad(ctx, b, tc.road, tc.every, true)
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("SaveRoad = %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
	if b.c.Road.PublicURL != "https://x.ru" || b.c.Road.Listen != config.DefaultListen {
		t.Fatalf("saved own address %+v", b.c.Road)
	}
}

func TestRoadLine(t *testing.T) {
	at := time.Date(2026, 12, 4, 14, 5, 0, 0, time.Local)
	for _, tc := range []struct {
		name    string
		s       bridge.RoadStatus
		wantKey string
		state   tunnel.State
	}{
		{"ngrok", bridge.RoadStatus{Kind: bridge.TunnelNgrok, Tunnel: tunnel.Status{State: tunnel.Online}}, "road.line.ngrok", tunnel.Online},
		{"own", bridge.RoadStatus{Kind: bridge.TunnelNone, Tunnel: tunnel.Status{State: tunnel.Offline, URL: "https://x.ru"}}, "road.line.own", tunnel.Offline},
		{"poll before the first", bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute}, "road.line.poll_first", tunnel.Connecting},
		{"poll without VPBX keys", bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute, NoKeys: true}, "road.line.poll_no_keys", tunnel.Offline},
		{"poll ok", bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute, HasLast: true, Last: reconcile.Result{At: at, New: 2}}, "road.line.poll", tunnel.Online},
		{"poll failed", bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute, HasLast: true, Last: reconcile.Result{At: at, Err: reconcile.ErrCredentials}}, "road.line.poll_failed", tunnel.Offline},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, st := LoadRoadLine(roadOnly{tc.s})
			if l.Key != tc.wantKey || st != tc.state {
				t.Fatalf("line %+v state %q, want %s %s", l, st, tc.wantKey, tc.state)
			}
			if tc.wantKey == "road.line.poll" && (l.Data["Time"] != "14:05" || l.Data["New"] != 2) {
				t.Fatalf("poll line data %v", l.Data)
			}
			if tc.wantKey == "road.line.poll_failed" && l.ReasonKey != "reconcile.fail.credentials" {
				t.Fatalf("failed poll reason %q", l.ReasonKey)
			}
		})
	}
	for d, want := range map[time.Duration]string{time.Minute: "road.every.minute", 30 * time.Second: "road.every.seconds",
		90 * time.Second: "road.every.seconds", 5 * time.Minute: "road.every.minutes"} {
		if k, _ := EveryKey(d); k != want {
			t.Errorf("EveryKey(%s) = %s, want %s", d, k, want)
		}
	}
}

// roadOnly is a Backend with a road (the rest of Backend is not used by
// LoadRoadLine).
type roadOnly struct{ s bridge.RoadStatus }

func (r roadOnly) RoadStatus() bridge.RoadStatus { return r.s }

// pollBackend is a backend on the poll road.
type pollBackend struct {
	*vmtest.Fake
	s bridge.RoadStatus
}

func (p pollBackend) RoadStatus() bridge.RoadStatus { return p.s }

// On the poll road the header's state is the last poll's (there is no
// tunnel): connecting before the first, online after a good one, an
// error after a failed one — never "connecting" for ever.
func TestHeaderOnThePollRoad(t *testing.T) {
	for _, tc := range []struct {
		name   string
		s      bridge.RoadStatus
		state  tunnel.State
		health Health
	}{
		{"before the first poll", bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute}, tunnel.Connecting, HealthAttention},
		{"after a good poll", bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute, HasLast: true, Last: reconcile.Result{At: time.Now()}}, tunnel.Online, HealthGood},
		{"after a failed poll", bridge.RoadStatus{Kind: bridge.TunnelPoll, Every: time.Minute, HasLast: true, Last: reconcile.Result{At: time.Now(), Err: errors.New("x")}}, tunnel.Offline, HealthError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := LoadHeader(context.Background(), pollBackend{vmtest.New(t.TempDir(), ""), tc.s})
			if err != nil {
				t.Fatal(err)
			}
			if h.TunnelState != tc.state || h.Health != tc.health || h.Road.Kind != bridge.TunnelPoll || h.URL != "" {
				t.Fatalf("header state %q health %v road %+v url %q; want %q %v", h.TunnelState, h.Health, h.Road, h.URL, tc.state, tc.health)
			}
		})
	}
}
