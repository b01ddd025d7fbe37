package ui

import (
	"fyne.io/fyne/v2"

	"mangotqm/app/core"
)

// Settings are the desktop app's non-secret choices, typed, over Fyne's
// preferences (secrets never go here: they live in the keychain).
type Settings struct{ p fyne.Preferences }

// NewSettings wraps preferences.
func NewSettings(p fyne.Preferences) *Settings { return &Settings{p: p} }

const (
	keyLanguage    = "language"
	keyNgrokDomain = "ngrok.domain"
	keyTQMURL      = "tqm.url"
	keyTQMAPI      = "tqm.api"
	keyMuted       = "notifications.muted"
	keySources     = "calls.sources"
	keyAudio       = "calls.audio"
)

func (s *Settings) Language() string        { return s.p.StringWithFallback(keyLanguage, "") }
func (s *Settings) SetLanguage(v string)    { s.p.SetString(keyLanguage, v) }
func (s *Settings) NgrokDomain() string     { return s.p.StringWithFallback(keyNgrokDomain, "") }
func (s *Settings) SetNgrokDomain(v string) { s.p.SetString(keyNgrokDomain, v) }
func (s *Settings) TQMURL() string          { return s.p.StringWithFallback(keyTQMURL, core.DefaultTQMURL) }
func (s *Settings) SetTQMURL(v string)      { s.p.SetString(keyTQMURL, v) }
func (s *Settings) TQMAPI() string          { return s.p.StringWithFallback(keyTQMAPI, "v2") }
func (s *Settings) SetTQMAPI(v string)      { s.p.SetString(keyTQMAPI, v) }
func (s *Settings) Sources() string {
	return s.p.StringWithFallback(keySources, core.SourcesCalltracking)
}
func (s *Settings) SetSources(v string) { s.p.SetString(keySources, v) }
func (s *Settings) Audio() string       { return s.p.StringWithFallback(keyAudio, core.AudioUpload) }
func (s *Settings) SetAudio(v string)   { s.p.SetString(keyAudio, v) }
func (s *Settings) Muted() bool         { return s.p.BoolWithFallback(keyMuted, false) }
func (s *Settings) SetMuted(v bool)     { s.p.SetBool(keyMuted, v) }
