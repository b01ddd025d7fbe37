package ui

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// variantTheme shows one variant whatever the settings say.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// Every colour the app draws text with reads at 4.5:1 or more on every
// background text sits on, in both variants — while Fyne's own light
// «disabled» grey (hints, «Подробности») does not.
func TestTextContrastComputed(t *testing.T) {
	base := theme.DefaultTheme()
	if c := contrast(base.Color(theme.ColorNameDisabled, theme.VariantLight), color.White); c >= 2 {
		t.Fatalf("the check cannot fail: Fyne's light disabled text is already %.2f:1", c)
	}
	th := newReadableTheme(base)
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		for _, fg := range textColours {
			for _, bg := range textBackgrounds {
				if c := contrast(th.Color(fg, v), th.Color(bg, v)); c < minContrast {
					t.Errorf("variant %d: %s on %s is %.2f:1", v, fg, bg, c)
				}
			}
		}
	}
	// Colours that were readable stay as Fyne made them.
	if th.Color(theme.ColorNameForeground, theme.VariantDark) != base.Color(theme.ColorNameForeground, theme.VariantDark) {
		t.Error("a readable colour was changed")
	}
}

// The same measured on rendered pixels: a low-importance label (hints,
// «Подробности»), a placeholder, a disabled entry and the coloured status
// labels, in both variants; the strongest text pixel against the
// background behind it.
func TestTextContrastRendered(t *testing.T) {
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(variantTheme{newReadableTheme(theme.DefaultTheme()), v})
		for _, tc := range []struct {
			name string
			obj  func() fyne.CanvasObject
		}{
			{"low importance", func() fyne.CanvasObject {
				l := widget.NewLabel("Подробности: ПРОВЕРКА ШШШ")
				l.Importance = widget.LowImportance
				return l
			}},
			{"placeholder", func() fyne.CanvasObject {
				e := widget.NewEntry()
				e.SetPlaceHolder("ДД.ММ.ГГГГ ШШШ НННН")
				return e
			}},
			{"disabled entry", func() fyne.CanvasObject {
				e := widget.NewEntry()
				e.SetText("http://127.0.0.1 ШШШ НННН")
				e.Disable()
				return e
			}},
			{"success", func() fyne.CanvasObject {
				l := widget.NewLabel("Доставлен ШШШ НННН")
				l.Importance = widget.SuccessImportance
				return l
			}},
			{"warning", func() fyne.CanvasObject {
				l := widget.NewLabel("Требует внимания ШШШ")
				l.Importance = widget.WarningImportance
				return l
			}},
			{"danger", func() fyne.CanvasObject {
				l := widget.NewLabel("Нет связи ШШШ НННН")
				l.Importance = widget.DangerImportance
				return l
			}},
		} {
			obj := tc.obj()
			w := a.NewWindow("contrast")
			w.SetContent(container.NewVBox(obj))
			w.Resize(fyne.NewSize(420, 80))
			img := w.Canvas().Capture()
			// The background behind the text: the commonest colour of the
			// object's area (an entry's border is drawn in a text colour).
			pos, size := obj.Position(), obj.Size()
			scale := float32(img.Bounds().Dx()) / w.Canvas().Size().Width
			area := image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height)*scale))
			bg := commonest(img, area)
			best := 0.0
			for y := area.Min.Y; y < area.Max.Y; y++ {
				for x := area.Min.X; x < area.Max.X; x++ {
					best = max(best, contrast(img.At(x, y), bg))
				}
			}
			if best < minContrast {
				t.Errorf("variant %d, %s: text %.2f:1 against its background", v, tc.name, best)
			}
			w.Close()
		}
	}
}

func commonest(img image.Image, r image.Rectangle) color.Color {
	n := map[color.RGBA]int{}
	var best color.RGBA
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if n[c]++; n[c] > n[best] {
				best = c
			}
		}
	}
	return best
}
