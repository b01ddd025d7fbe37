// Package ui is mangotqm's Fyne desktop interface. It holds widgets only;
// everything it shows comes from the core in package app.
package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// AppID is the Fyne application id (also in FyneApp.toml).
const AppID = "ru.mangotqm.bridge"

// Main starts the desktop app and returns the process exit code.
func Main(args []string) int {
	a := app.NewWithID(AppID)
	w := a.NewWindow("mangotqm")
	w.SetContent(widget.NewLabel("mangotqm"))
	w.Resize(fyne.NewSize(640, 400))
	w.ShowAndRun()
	return 0
}
