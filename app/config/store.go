package config

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// SettingKey is the settings row that holds the configuration.
const SettingKey = "config"

// KV is where the configuration is kept (the store's settings table).
type KV interface {
	GetSetting(ctx context.Context, key string, v any) (found bool, err error)
	SetSetting(ctx context.Context, key string, v any) error
}

// Load reads the configuration; values never saved keep their defaults.
// A stored configuration that no longer validates is an error naming the
// bad setting.
func Load(ctx context.Context, kv KV) (Config, error) {
	c := Default()
	if _, err := kv.GetSetting(ctx, SettingKey, &c); err != nil {
		return Config{}, fmt.Errorf("read the configuration: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("stored configuration: %w", err)
	}
	return c, nil
}

// Save validates c and stores it.
func Save(ctx context.Context, kv KV, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := kv.SetSetting(ctx, SettingKey, c); err != nil {
		return fmt.Errorf("save the configuration: %w", err)
	}
	return nil
}

// Flags names the settings that a command-line flag of the same name
// overrides for one run.
var Flags = append([]string{"tqm-url", "tqm-api", "audio", "sources", "vpbx-url", "ngrok-domain", "rate", "reconcile-every", "poll-every"},
	RuleFlags...)

// Set overrides one setting by its flag name, for one run (nothing is
// saved). Call Validate after the last Set.
func (c *Config) Set(flag, value string) error {
	switch flag {
	case "tqm-url":
		c.TQMURL = value
	case "tqm-api":
		c.TQMAPI = TQMAPI(value)
	case "audio":
		c.Audio = AudioMode(value)
	case "sources":
		c.Sources = Sources(value)
	case "vpbx-url":
		c.VPBXURL = value
	case "ngrok-domain":
		c.NgrokDomain = NormalizeDomain(value)
	case "rate":
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return fmt.Errorf("--rate: %q is not a number", value)
		}
		c.Rate = v
	case "reconcile-every":
		v, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("--reconcile-every: %q is not a duration like 15m or 0", value)
		}
		c.ReconcileEvery = Duration(v)
	case "poll-every":
		v, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("--poll-every: %q is not a duration like 1m", value)
		}
		c.Road.PollEvery = Duration(v)
	default:
		if handled, err := c.Rules.set(flag, value); handled {
			return err
		}
		if ok, err := c.Alerts.set(flag, value); ok {
			return err
		}
		return fmt.Errorf("--%s is not a setting", flag)
	}
	return nil
}

// Get returns one setting's value as its flag would take it.
func (c Config) Get(flag string) string {
	switch flag {
	case "tqm-url":
		return c.TQMURL
	case "tqm-api":
		return string(c.TQMAPI)
	case "audio":
		return string(c.Audio)
	case "sources":
		return string(c.Sources)
	case "vpbx-url":
		return c.VPBXURL
	case "ngrok-domain":
		return c.NgrokDomain
	case "rate":
		return strconv.FormatFloat(c.Rate, 'g', -1, 64)
	case "reconcile-every":
		return time.Duration(c.ReconcileEvery).String()
	case "poll-every":
		return time.Duration(c.Road.PollEvery).String()
	}
	if v, ok := c.Rules.get(flag); ok {
		return v
	}
	v, _ := c.Alerts.get(flag)
	return v
}
