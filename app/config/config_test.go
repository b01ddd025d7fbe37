package config

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// memKV is the settings table in memory (the real store is tested with
// its own package; here only the JSON round trip matters).
type memKV map[string]string

func (m memKV) GetSetting(_ context.Context, key string, v any) (bool, error) {
	s, ok := m[key]
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal([]byte(s), v)
}

func (m memKV) SetSetting(_ context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	m[key] = string(b)
	return err
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"tqm url not a url", func(c *Config) { c.TQMURL = "not-a-url" }, "tqm-url"},
		{"vpbx url ftp", func(c *Config) { c.VPBXURL = "ftp://x" }, "vpbx-url"},
		{"api v3", func(c *Config) { c.TQMAPI = "v3" }, "tqm-api"},
		{"audio", func(c *Config) { c.Audio = "mp3" }, "audio"},
		{"sources", func(c *Config) { c.Sources = "all" }, "sources"},
		{"rate 0", func(c *Config) { c.Rate = 0 }, "rate"},
		{"reconcile 10s", func(c *Config) { c.ReconcileEvery = Duration(10 * time.Second) }, "reconcile-every"},
		{"reconcile off", func(c *Config) { c.ReconcileEvery = 0 }, ""},
		{"ngrok domain", func(c *Config) { c.NgrokDomain = "name.ngrok-free.dev" }, "ngrok-domain"},
		{"ngrok domain url", func(c *Config) { c.NgrokDomain = "https://name.ngrok-free.dev" }, ""},
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

func TestLoadSaveSet(t *testing.T) {
	ctx := context.Background()
	kv := memKV{}
	c, err := Load(ctx, kv)
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Fatalf("fresh Load = %+v, %v", c, err)
	}
	c.Audio, c.ReconcileEvery = AudioLink, Duration(time.Hour)
	if err := Save(ctx, kv, c); err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.Rate = -1
	if err := Save(ctx, kv, bad); err == nil {
		t.Fatal("saved an invalid configuration")
	}
	got, err := Load(ctx, kv)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, c)
	}
	// A setting saved by an older version keeps the defaults for the rest.
	kv[SettingKey] = `{"audio":"passthrough"}`
	if got, err = Load(ctx, kv); err != nil || got.Audio != AudioPassthrough || got.Rate != DefaultRate {
		t.Fatalf("partial Load = %+v, %v", got, err)
	}
	for _, f := range Flags {
		v := got.Get(f)
		if err := got.Set(f, v); err != nil {
			t.Errorf("Set(%s, Get) = %v", f, err)
		}
	}
	if err := got.Set("ngrok-domain", " Name.NGROK-free.dev/ "); err != nil || got.NgrokDomain != "https://name.ngrok-free.dev" {
		t.Fatalf("domain %q, %v", got.NgrokDomain, err)
	}
	if err := got.Set("lang", "de"); err == nil {
		t.Fatal("Set accepted an unknown setting")
	}
	if err := got.Set("rate", "fast"); err == nil {
		t.Fatal("Set accepted a bad number")
	}
}
