package ui

import "fyne.io/fyne/v2"

// Settings are this desktop's presentation choices, over Fyne's
// preferences: the language and notifications. Everything the bridge does
// (addresses, sources, audio) is in the shared configuration (app/config),
// and secrets are in the keychain.
type Settings struct{ p fyne.Preferences }

// NewSettings wraps preferences.
func NewSettings(p fyne.Preferences) *Settings { return &Settings{p: p} }

const (
	keyLanguage = "language"
	keyMuted    = "notifications.muted"
	keyMinimize = "start.minimized"
)

func (s *Settings) Language() string     { return s.p.StringWithFallback(keyLanguage, "") }
func (s *Settings) SetLanguage(v string) { s.p.SetString(keyLanguage, v) }
func (s *Settings) Muted() bool          { return s.p.BoolWithFallback(keyMuted, false) }
func (s *Settings) SetMuted(v bool)      { s.p.SetBool(keyMuted, v) }

// StartMinimized: start with the tray icon only, the window hidden.
func (s *Settings) StartMinimized() bool     { return s.p.BoolWithFallback(keyMinimize, false) }
func (s *Settings) SetStartMinimized(v bool) { s.p.SetBool(keyMinimize, v) }
