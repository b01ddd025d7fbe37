package main

import (
	"log/slog"
	"os"

	"fyne.io/fyne/v2"

	"mangotqm/app/instance"
)

// quitWhenAsked lets the Windows installer and uninstaller close the desktop
// app before they replace or remove mangotqm.exe (instance.WatchQuit): the
// app then quits as if «Выход» had been chosen in the tray, so the bridge
// closes its database and tunnel in order. It logs the start with the
// version, and the request, so an update can be followed in mangotqm.log.
func quitWhenAsked(log *slog.Logger, version string) {
	err := instance.WatchQuit(func() {
		log.Info("asked to quit: mangotqm is being updated or removed")
		a := fyne.CurrentApp()
		if a == nil {
			// The window has not been created yet, so neither has the
			// bridge: there is nothing to close.
			os.Exit(0)
		}
		fyne.Do(a.Quit)
	})
	if err != nil {
		log.Warn("the installer will not be able to close this app by itself", "err", err)
	}
	// Logged once the request can be heard: an installer (or a test) that
	// sees this line can ask the app to quit.
	log.Info("desktop app starting", "version", version, "pid", os.Getpid())
}
