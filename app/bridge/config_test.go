package bridge

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/tunnel"
)

// sendWebhook posts one calltracking webhook through the fake tunnel.
func sendWebhook(t *testing.T, b *Bridge, tun *fakeTunnel, callID string) {
	t.Helper()
	url := "http://" + tun.ln.Addr().String() + b.Endpoints()[0].URL[len(tun.public):]
	end := time.Now().Add(-time.Minute).UTC()
	resp, err := http.Get(url + "?callId=" + callID + "&dateStart=" + end.Add(-time.Minute).Format("2006-01-02T15:04:05Z") +
		"&dateEnd=" + end.Format("2006-01-02T15:04:05Z") + "&recordUrl=https://r.test/" + callID + ".mp3")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", resp, err)
	}
	resp.Body.Close()
}

func waitDelivered(t *testing.T, fake *sandbox.Server, callID string) {
	t.Helper()
	clocktest.Eventually(t, callID+" at "+fake.URL(), func() bool { return len(fake.Find(callID)) > 0 })
}

// A configuration change reaches the running bridge without a restart, is
// saved, and the next bridge on the same data folder starts with it.
func TestSetConfigAppliesWithoutARestart(t *testing.T) {
	ctx := context.Background()
	first, second := sandbox.New("k"), sandbox.New("k")
	defer first.Close()
	defer second.Close()
	dir := t.TempDir()
	sec := secrets.NewMemory(map[secrets.Name]string{secrets.TQMKey: "k"})
	tun := &fakeTunnel{public: "http://office.test", last: tunnel.Status{State: tunnel.Connecting}}
	b, err := Open(ctx, Options{DataDir: dir, Secrets: sec, TunnelOverride: tun})
	if err != nil {
		t.Fatal(err)
	}
	cfg := b.Config()
	if !reflect.DeepEqual(cfg, config.Default()) {
		t.Fatalf("a fresh data folder has %+v, want the defaults", cfg)
	}
	cfg.TQMURL, cfg.Audio = first.URL(), config.AudioPassthrough
	if err := b.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	events, stop := b.Subscribe()
	defer stop()
	sendWebhook(t, b, tun, "LIVE-1")
	waitDelivered(t, first, "LIVE-1")

	cfg.TQMURL = second.URL()
	if err := b.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for e := range events {
		if e.Kind == EventConfig {
			break
		}
	}
	sendWebhook(t, b, tun, "LIVE-2")
	waitDelivered(t, second, "LIVE-2")
	if n := len(first.Find("LIVE-2")); n != 0 {
		t.Fatalf("the old TQM address still got the call after the change")
	}
	bad := cfg
	bad.TQMURL = "not-a-url"
	if err := b.SetConfig(ctx, bad); err == nil || !reflect.DeepEqual(b.Config(), cfg) {
		t.Fatalf("an invalid configuration was taken: %v, now %+v", err, b.Config())
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// The next run reads what was saved; an override lasts one run only.
	b2, err := Open(ctx, Options{DataDir: dir, Secrets: sec,
		Override: func(c *config.Config) error { c.Rate = 50; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if got := b2.Config(); got.TQMURL != second.URL() || got.Audio != config.AudioPassthrough || got.Rate != 50 {
		t.Fatalf("reopened with %+v", got)
	}
	_ = b2.Close(ctx)
	b3, err := Open(ctx, Options{DataDir: dir, Secrets: sec})
	if err != nil {
		t.Fatal(err)
	}
	defer b3.Close(ctx)
	if got := b3.Config(); got.Rate != config.DefaultRate {
		t.Fatalf("the override was saved: rate %v", got.Rate)
	}
}
