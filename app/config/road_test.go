package config

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Bad road input is refused, naming the setting by its flag name.
func TestRoadValidate(t *testing.T) {
	own := func(url, listen string) func(*Config) {
		return func(c *Config) { c.Road.Kind, c.Road.PublicURL, c.Road.Listen = RoadOwn, url, listen }
	}
	for _, tc := range []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"default is ngrok", func(*Config) {}, ""},
		{"unknown road", func(c *Config) { c.Road.Kind = "tuna" }, "road:"},
		{"own https", own("https://pbx.example.ru", "0.0.0.0:8787"), ""},
		{"own with path", own("https://example.ru/bridge", "127.0.0.1:9000"), ""},
		{"own http refused", own("http://pbx.example.ru", "0.0.0.0:8787"), "public-url"},
		{"own empty url", own("", "0.0.0.0:8787"), "public-url"},
		{"own not a url", own("pbx.example.ru", "0.0.0.0:8787"), "public-url"},
		{"own bad listen", own("https://pbx.example.ru", "8787"), "listen"},
		{"poll 1m", func(c *Config) { c.Road.Kind, c.Road.PollEvery = RoadPoll, Duration(time.Minute) }, ""},
		{"poll 30s", func(c *Config) { c.Road.Kind, c.Road.PollEvery = RoadPoll, Duration(30*time.Second) }, ""},
		{"poll 29s refused", func(c *Config) { c.Road.Kind, c.Road.PollEvery = RoadPoll, Duration(29*time.Second) }, "poll-every"},
		{"poll 0 refused", func(c *Config) { c.Road.Kind, c.Road.PollEvery = RoadPoll, 0 }, "poll-every"},
		{"poll 2h refused", func(c *Config) { c.Road.Kind, c.Road.PollEvery = RoadPoll, Duration(2*time.Hour) }, "poll-every"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.edit(&c)
			err := c.Validate()
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
}

// A configuration saved before roads existed loads with the default road;
// the road survives a save and load; --poll-every overrides it.
func TestRoadLoadSaveSet(t *testing.T) {
	ctx := context.Background()
	kv := memKV{SettingKey: `{"tqm_url":"https://tqm.example","tqm_api":"v2","audio":"upload","sources":"calltracking","vpbx_url":"https://app.mango-office.ru/vpbx/","rate":5,"reconcile_every":"15m0s"}`}
	c, err := Load(ctx, kv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Road != DefaultRoad() {
		t.Fatalf("old configuration: road %+v, want the default %+v", c.Road, DefaultRoad())
	}
	c.Road = Road{Kind: RoadPoll, Listen: DefaultListen, PollEvery: Duration(45 * time.Second)}
	if err := Save(ctx, kv, c); err != nil {
		t.Fatal(err)
	}
	got, err := Load(ctx, kv)
	if err != nil {
		t.Fatal(err)
	}
	if got.Road != c.Road {
		t.Fatalf("road after save and load %+v, want %+v", got.Road, c.Road)
	}
	if err := got.Set("poll-every", "2m"); err != nil {
		t.Fatal(err)
	}
	if got.Get("poll-every") != "2m0s" {
		t.Fatalf("poll-every = %s, want 2m0s", got.Get("poll-every"))
	}
	if err := got.Set("poll-every", "soon"); err == nil || !strings.Contains(err.Error(), "--poll-every") {
		t.Fatalf("Set(poll-every, soon) = %v, want an error naming --poll-every", err)
	}
}
