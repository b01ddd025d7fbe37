package bridge

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/receiver"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
)

const (
	roadKey  = "roadtestcode000000000000000"
	roadSalt = "roadtestsalt0000000000000000001"
)

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	clocktest.Eventually(t, what, cond)
}

// The saved road applies without a restart: an own address listens and
// answers its health path; switched to the poll road, the listener closes,
// no address is offered and a call is fetched from Mango's statistics;
// switched back, the listener opens again.
func TestRoadAppliesWithoutARestart(t *testing.T) {
	ctx := context.Background()
	mango := vpbxfake.New(roadKey, roadSalt)
	t.Cleanup(mango.Close)
	tqm := sandbox.New("k")
	t.Cleanup(tqm.Close)
	mem := secrets.NewMemory(map[secrets.Name]string{secrets.MangoVPBXKey: roadKey, secrets.MangoVPBXSalt: roadSalt})
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Secrets: mem, Tunnel: TunnelSaved, ProbeInterval: -1,
		Sender: NewTQMSender(TQMOptions{BaseURL: tqm.URL(), Key: func(context.Context) (string, error) { return "k", nil }})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	_ = ln.Close()
	c := b.Config()
	c.VPBXURL = mango.URL()
	c.Road = config.Road{Kind: config.RoadOwn, Listen: listen, PublicURL: "https://pbx.example.ru", PollEvery: config.Duration(time.Minute)}
	if err := b.SetConfig(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	health := func() error {
		resp, err := http.Get("http://" + listen + receiver.Prefix(b.secret) + receiver.PathHealth)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	if eps := b.Endpoints(); len(eps) == 0 || !strings.HasPrefix(eps[0].URL, "https://pbx.example.ru/mango/") || health() != nil {
		t.Fatalf("own address: endpoints %+v, health %v", eps, health())
	}
	if b.RoadStatus().Kind != TunnelNone {
		t.Fatalf("road %q", b.RoadStatus().Kind)
	}

	end := time.Now().Add(-5 * time.Second).Truncate(time.Second)
	mango.AddCall("ROAD-1", "79160001111", "101", end.Add(-time.Minute), end)
	c.Road.Kind = config.RoadPoll
	if err := b.SetConfig(ctx, c); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the listener closed on the poll road", func() bool { return len(b.Endpoints()) == 0 && health() != nil })
	waitUntil(t, "the call fetched by the poll", func() bool {
		list, _ := b.Calls(ctx, calls.Filter{Sources: []calls.Source{calls.SourceReconcile}})
		return len(list) == 1 && list[0].CallID == "ROAD-1"
	})
	if s := b.RoadStatus(); s.Kind != TunnelPoll || s.Every != time.Minute || !s.HasLast || s.Last.Err != nil {
		t.Fatalf("poll road status %+v", s)
	}

	c.Road.Kind = config.RoadOwn
	if err := b.SetConfig(ctx, c); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the listener open again", func() bool { return len(b.Endpoints()) > 0 && health() == nil })
}

// Poll without the VPBX keys: Start works (stored calls are still
// delivered), no listener opens, and the road's state says the keys are
// missing.
func TestPollRoadWithoutVPBXKeys(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil), Tunnel: TunnelPoll, Lang: "en",
		Sender: NewTQMSender(TQMOptions{BaseURL: "http://127.0.0.1:1", Key: func(context.Context) (string, error) { return "k", nil }})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if s := b.RoadStatus(); s.Kind != TunnelPoll || !s.NoKeys || s.HasLast || len(b.Endpoints()) != 0 {
		t.Fatalf("poll road without keys: %+v, endpoints %v", s, b.Endpoints())
	}
}
