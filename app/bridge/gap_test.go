package bridge

import (
	"context"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/secrets"
	"mangotqm/store"
	"mangotqm/tunnel"
)

func waitGap(t *testing.T, what string, cond func() bool) {
	t.Helper()
	clocktest.Within(t, 60*time.Second, what, cond)
}

// A bridge started on a salvaged database names the period that may be
// missing while the VPBX key is not set (an incident), and fetches it by
// itself once the key is saved: the call only Mango has is stored once.
func TestBridgeClosesTheGapOnceTheKeyIsSet(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Intake(ctx, store.NewCall{Source: "calltracking", CallID: "KEPT-1", Raw: "{}", Params: "{}"}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	res, err := store.Salvage(ctx, dir)
	if err != nil || res.Calls != 1 {
		t.Fatalf("salvage %+v %v", res, err)
	}
	mango := vpbxfake.New("gapcode0000000000000000000a", "gapsalt000000000000000000001")
	defer mango.Close()
	start := time.Now().Add(-20 * time.Minute).Truncate(time.Second)
	mango.AddCall("ONLY-IN-MANGO", "79160000001", "101", start, start.Add(90*time.Second))

	b := newTestBridge(t, dir, &fakeTunnel{public: "https://gap.ngrok-free.dev", last: tunnel.Status{State: tunnel.Connecting}})
	defer b.Close(ctx)
	cfg := b.Config()
	cfg.VPBXURL = mango.URL()
	if err := b.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// The status and the incident are set one after the other: wait for both.
	from := res.Gap.From.In(calls.Moscow()).Format("02.01.2006 15:04")
	var in []calls.Incident
	named := func() bool {
		if !b.GapStatus().NoVPBX {
			return false
		}
		in, err = b.store.OpenIncidents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range in {
			if i.Kind == IncidentGap && strings.Contains(i.Message, from) {
				return true
			}
		}
		return false
	}
	if !clocktest.Poll(ctx, 60*time.Second, named) {
		t.Fatalf("no incident naming the period from %s: %+v", from, in)
	}

	for n, v := range map[secrets.Name]string{secrets.MangoVPBXKey: "gapcode0000000000000000000a",
		secrets.MangoVPBXSalt: "gapsalt000000000000000000001"} {
		if err := b.opts.Secrets.Set(ctx, n, v); err != nil {
			t.Fatal(err)
		}
	}
	b.ReloadSecrets(ctx)
	waitGap(t, "the gap fetched", func() bool { return b.GapStatus().Closed })
	// The reconcile (woken by the key too) may store it first: then the
	// gap finds it known.
	if s := b.GapStatus(); s.Progress.Found != 1 || s.Progress.New+s.Progress.Known != 1 || s.Open {
		t.Fatalf("gap status %+v", s)
	}
	if _, open, _ := b.store.Gap(ctx); open {
		t.Fatal("the gap is still recorded")
	}
	if in, _ := b.store.OpenIncidents(ctx); len(in) != 0 {
		for _, i := range in {
			if i.Kind == IncidentGap {
				t.Fatalf("the gap incident stays open: %+v", i)
			}
		}
	}
	list, err := b.store.List(ctx, calls.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range list {
		got[c.CallID]++
	}
	if got["ONLY-IN-MANGO"] != 1 || got["KEPT-1"] != 1 {
		t.Fatalf("calls after the gap: %v", got)
	}
}
