package ui

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// variantTheme (theme_test.go) holds a theme to one variant (light: the
// Windows default; dark).

// luminance and contrast (WCAG 2) are theme.go's.

// textContrast measures the rendered text of o in w: the contrast of its
// most contrasting pixel (the text's core) against its most common pixel
// (the background).
func textContrast(t *testing.T, w fyne.Window, o fyne.CanvasObject) float64 {
	t.Helper()
	img := w.Canvas().Capture()
	scale := w.Canvas().Scale()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	size := o.Size()
	r := image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height)*scale)).
		Intersect(img.Bounds())
	if r.Empty() {
		t.Fatal("the text is not on the window")
	}
	count := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	var bg color.RGBA
	for c, n := range count {
		if n > count[bg] {
			bg = c
		}
	}
	best := 1.0
	for c := range count {
		best = max(best, contrast(c, bg))
	}
	if len(count) < 3 {
		t.Fatalf("no text rendered in %v", r)
	}
	return best
}

// Item 10: the explanatory paragraph of every wizard step reads at 4.5:1
// or better against the window, in the light and the dark theme. The
// low-importance grey it used measures below that (the check can fail).
func TestWizardExplanationContrast(t *testing.T) {
	for _, tc := range []struct {
		name    string
		variant fyne.ThemeVariant
	}{{"light", theme.VariantLight}, {"dark", theme.VariantDark}} {
		t.Run(tc.name, func(t *testing.T) {
			z, _, _ := newTestWizard(t)
			z.u.app.Settings().SetTheme(variantTheme{theme.DefaultTheme(), tc.variant})
			z.w.Resize(fyne.NewSize(760, 560))
			for i := range z.steps {
				z.show(i)
				got := textContrast(t, z.w, z.note)
				t.Logf("%s: %.2f:1", z.steps[i].TitleKey, got)
				if got < 4.5 {
					t.Errorf("step %s: explanation contrast %.2f:1, want ≥ 4.5:1", z.steps[i].TitleKey, got)
				}
				if k := z.steps[i].LossKey; k != "" { // what skipping loses
					for _, o := range test.LaidOutObjects(z.w.Content()) {
						if l, ok := o.(*widget.Label); ok && l.Text == z.u.tr.T(k) {
							if got := textContrast(t, z.w, l); got < 4.5 {
								t.Errorf("step %s: the skip note's contrast %.2f:1, want ≥ 4.5:1", z.steps[i].TitleKey, got)
							}
						}
					}
				}
			}
			z.showRoad() // ngrok selected: the note says when ngrok is checked
			if f := z.road.form; f == nil || f.result.Text == "" {
				t.Error("the road page shows no note for ngrok")
			} else if got := textContrast(t, z.w, f.result); got < 4.5 {
				t.Errorf("the road page's note: contrast %.2f:1, want ≥ 4.5:1", got)
			}
			z.waitForURL()
			found := false
			for _, o := range test.LaidOutObjects(z.w.Content()) {
				if l, ok := o.(*widget.Label); ok && l.Text == z.u.tr.T("ui.wizard.done.waiting_hint") {
					found = true
					if got := textContrast(t, z.w, l); got < 4.5 {
						t.Errorf("the last page's hint: contrast %.2f:1", got)
					}
				}
			}
			if !found {
				t.Error("the last page has no waiting hint")
			}
			if tc.variant == theme.VariantLight {
				old := widget.NewLabel(z.u.tr.T("ui.wizard.tqm.check_note"))
				old.Importance = widget.LowImportance
				z.w.SetContent(old)
				got := textContrast(t, z.w, old)
				t.Logf("the old low-importance style: %.2f:1", got)
				if got >= 4.5 {
					t.Errorf("the old low-importance style measures %.2f:1: the measurement cannot tell", got)
				}
			}
		})
	}
}
