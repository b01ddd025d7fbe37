package ui

// The app's theme: Fyne's own, with every colour used for text darkened
// (light variant) or lightened (dark variant) just enough to read at the
// WCAG AA contrast of 4.5:1 against every background text sits on. Fyne's
// light «disabled» grey (227,227,227 on white, 1.3:1) is what hints,
// «Подробности» and low-importance labels are drawn with.

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// minContrast is WCAG 2.x AA for normal text; the theme aims a little
// above (themeContrast) so anti-aliased glyphs still reach it on screen.
const (
	minContrast   = 4.5
	themeContrast = 5.0
)

// textColours are the theme colours the app draws text with.
var textColours = []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameDisabled,
	theme.ColorNamePlaceHolder, theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError,
	theme.ColorNamePrimary, theme.ColorNameHyperlink}

// textBackgrounds are the backgrounds text is drawn on.
var textBackgrounds = []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground,
	theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground, theme.ColorNameHeaderBackground}

// readableTheme is base with its text colours made readable, computed once
// per variant.
type readableTheme struct {
	fyne.Theme
	fixed map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color
}

func newReadableTheme(base fyne.Theme) *readableTheme {
	t := &readableTheme{Theme: base, fixed: map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{}}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		m := map[fyne.ThemeColorName]color.Color{}
		var bgs []color.Color
		for _, b := range textBackgrounds {
			bgs = append(bgs, base.Color(b, v))
		}
		for _, n := range textColours {
			m[n] = readable(base.Color(n, v), bgs, v == theme.VariantDark)
		}
		t.fixed[v] = m
	}
	return t
}

// Color implements fyne.Theme.
func (t *readableTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := t.fixed[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

// readable moves fg toward white (dark) or black (light) in small steps
// until it reaches themeContrast against every background.
func readable(fg color.Color, bgs []color.Color, dark bool) color.Color {
	r, g, b, a := fg.RGBA()
	c := color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0xff}
	if a != 0 && a != 0xffff { // un-premultiply
		c = color.NRGBA{R: uint8(r * 0xff / a), G: uint8(g * 0xff / a), B: uint8(b * 0xff / a), A: 0xff}
	}
	target := 0.0
	if dark {
		target = 255
	}
	for step := 0; step <= 100; step++ {
		k := float64(step) / 100
		try := color.NRGBA{R: mix(c.R, target, k), G: mix(c.G, target, k), B: mix(c.B, target, k), A: 0xff}
		if worstContrast(try, bgs) >= themeContrast {
			return try
		}
	}
	return color.NRGBA{R: uint8(target), G: uint8(target), B: uint8(target), A: 0xff}
}

func mix(v uint8, target, k float64) uint8 { return uint8(math.Round(float64(v)*(1-k) + target*k)) }

func worstContrast(fg color.Color, bgs []color.Color) float64 {
	w := math.Inf(1)
	for _, b := range bgs {
		w = min(w, contrast(fg, b))
	}
	return w
}

// contrast is the WCAG contrast ratio of two opaque colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG relative luminance (sRGB).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	ch := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
}
