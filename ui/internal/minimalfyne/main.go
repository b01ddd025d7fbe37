// Command minimalfyne is the baseline of the desktop benchmark: the
// smallest Fyne window (one label), measured next to mangotqm's window.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("ru.mangotqm.bench.minimal")
	w := a.NewWindow("minimal")
	w.SetContent(widget.NewLabel("minimal Fyne window"))
	w.Resize(fyne.NewSize(1240, 720))
	w.ShowAndRun()
}
