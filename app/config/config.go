// Package config owns the bridge's typed, shared configuration: the values
// both front ends (serve and the desktop app) read from and write to the
// same SQLite database, their one validation, and command-line overrides
// for a single run.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"mangotqm/app/mango/vpbx"
	"mangotqm/app/tqm"
)

// AudioMode is how recordings reach TQM.
type AudioMode string

// Audio modes.
const (
	// AudioUpload fetches the recording (the webhook's link when it needs
	// no credentials, else through the VPBX API) and uploads it.
	AudioUpload AudioMode = "upload"
	// AudioLink sends by link when the webhook's link is public, else
	// uploads.
	AudioLink AudioMode = "link"
	// AudioPassthrough passes the webhook's link unchecked (the Albato
	// bundle's behaviour: TQM downloads it).
	AudioPassthrough AudioMode = "passthrough"
)

// AudioModes lists the modes in display order.
var AudioModes = []AudioMode{AudioUpload, AudioLink, AudioPassthrough}

// Sources says where calls come from.
type Sources string

// Sources of calls.
const (
	SourcesCalltracking Sources = "calltracking" // calltracking "call end" webhooks
	SourcesVPBX         Sources = "vpbx"         // VPBX API connector events
	SourcesBoth         Sources = "both"         // both, joined into one call
)

// AllSources lists the choices in display order.
var AllSources = []Sources{SourcesCalltracking, SourcesVPBX, SourcesBoth}

// VPBX reports whether VPBX events are a source.
func (s Sources) VPBX() bool { return s == SourcesVPBX || s == SourcesBoth }

// TQMAPI is TQM's import API.
type TQMAPI string

// TQM import APIs.
const (
	TQMv2 TQMAPI = "v2" // query parameters
	TQMv1 TQMAPI = "v1" // JSON body
)

// TQMAPIs lists the APIs in display order.
var TQMAPIs = []TQMAPI{TQMv2, TQMv1}

// Defaults.
const (
	DefaultTQMURL         = tqm.DefaultBaseURL
	DefaultVPBXURL        = vpbx.DefaultBaseURL
	DefaultRate           = 5.0
	DefaultReconcileEvery = 15 * time.Minute
)

// Config is the shared configuration. The zero value is not valid; start
// from Default.
type Config struct {
	TQMURL  string    `json:"tqm_url"`
	TQMAPI  TQMAPI    `json:"tqm_api"`
	Audio   AudioMode `json:"audio"`
	Sources Sources   `json:"sources"`
	VPBXURL string    `json:"vpbx_url"`
	// NgrokDomain is the account's dev domain, e.g.
	// https://name.ngrok-free.dev ("" = a random ngrok URL).
	NgrokDomain string `json:"ngrok_domain"`
	// Rate: at most this many TQM requests per second, evenly spaced.
	Rate float64 `json:"rate"`
	// ReconcileEvery: how often the bridge compares its calls with Mango's
	// statistics (0 = never).
	ReconcileEvery Duration `json:"reconcile_every"`
	// Road: how Mango's calls reach the bridge (road.go).
	Road Road `json:"road"`
	// Rules: which calls are sent to TQM (the rest are stored as skipped).
	Rules Rules `json:"rules"`
	// Alerts: e-mail and Telegram alerts (app/config/alerts.go).
	Alerts Alerts `json:"alerts"`
}

// Default is the configuration of a fresh install.
func Default() Config {
	return Config{TQMURL: DefaultTQMURL, TQMAPI: TQMv2, Audio: AudioUpload, Sources: SourcesCalltracking,
		VPBXURL: DefaultVPBXURL, Rate: DefaultRate, ReconcileEvery: Duration(DefaultReconcileEvery),
		Road: DefaultRoad(), Rules: DefaultRules(), Alerts: DefaultAlerts()}
}

// Validate checks every value; its errors name the setting (by its
// command-line flag name) and what is allowed.
func (c Config) Validate() error {
	var errs []error
	if err := checkURL(c.TQMURL); err != nil {
		errs = append(errs, fmt.Errorf("tqm-url: %w", err))
	}
	if !oneOf(c.TQMAPI, TQMAPIs) {
		errs = append(errs, fmt.Errorf("tqm-api: %q is not one of %s", c.TQMAPI, list(TQMAPIs)))
	}
	if !oneOf(c.Audio, AudioModes) {
		errs = append(errs, fmt.Errorf("audio: %q is not one of %s", c.Audio, list(AudioModes)))
	}
	if !oneOf(c.Sources, AllSources) {
		errs = append(errs, fmt.Errorf("sources: %q is not one of %s", c.Sources, list(AllSources)))
	}
	if err := checkURL(c.VPBXURL); err != nil {
		errs = append(errs, fmt.Errorf("vpbx-url: %w", err))
	}
	if c.NgrokDomain != "" {
		if err := checkURL(c.NgrokDomain); err != nil {
			errs = append(errs, fmt.Errorf("ngrok-domain: %w", err))
		}
	}
	if !(c.Rate > 0) || c.Rate > 1000 {
		errs = append(errs, fmt.Errorf("rate: %v is not above 0 and at most 1000 requests per second", c.Rate))
	}
	if c.ReconcileEvery < 0 || (c.ReconcileEvery > 0 && time.Duration(c.ReconcileEvery) < time.Minute) {
		errs = append(errs, fmt.Errorf("reconcile-every: %s is neither 0 (off) nor at least 1m", time.Duration(c.ReconcileEvery)))
	}
	errs = append(errs, c.Road.Validate())
	if err := c.Rules.Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Alerts.Validate())
	return errors.Join(errs...)
}

// NormalizeDomain turns what a user typed as an ngrok domain into the URL
// form the tunnel wants: trimmed, lower case, https:// added, no trailing
// slash ("" stays "").
func NormalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	return strings.TrimRight(s, "/")
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

func oneOf[T ~string](v T, all []T) bool {
	for _, a := range all {
		if v == a {
			return true
		}
	}
	return false
}

func list[T ~string](all []T) string {
	s := make([]string, len(all))
	for i, a := range all {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// Duration is a time.Duration that reads and writes as "15m0s" in JSON.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}
