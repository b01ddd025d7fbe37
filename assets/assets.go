// Package assets holds mangotqm's icons (and, in i18n, its texts).
package assets

import _ "embed"

// Icon is the application icon (256×256 PNG).
//
//go:embed icon.png
var Icon []byte

// Tray icons by state: all well, needs attention, error.
var (
	//go:embed tray-good.png
	TrayGood []byte
	//go:embed tray-attention.png
	TrayAttention []byte
	//go:embed tray-error.png
	TrayError []byte
)
