package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// widen gives a Select the width of its longest choice. Fyne sizes a
// Select by its placeholder, so «Постоянное значение» or a long source
// choice would be cut off in a tight layout.
func widen(sel *widget.Select) fyne.CanvasObject {
	return container.New(minWidth(selectNeed(sel)), sel)
}

// selectNeed is the width that shows a Select's longest choice whole.
func selectNeed(sel *widget.Select) float32 {
	w := float32(0)
	for _, o := range sel.Options {
		w = max(w, fyne.MeasureText(o, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	pad := theme.InnerPadding()
	return w + pad*4 + theme.IconInlineSize()
}

// minWidth lays its objects out over the whole space, at least this wide.
type minWidth float32

func (m minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(float32(m), 0)
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (m minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
