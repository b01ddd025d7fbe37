package main

import (
	"log/slog"
	"mangotqm/app/clock"
	"os"
	"time"

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
		// A request may come while the app is still starting, before its
		// run loop takes a Quit: it is repeated each second until the
		// process ends (a Quit after the first is ignored).
		clk := clock.Real{}
		for {
			a := fyne.CurrentApp()
			if a == nil {
				// The window has not been created yet, so neither has
				// the bridge: there is nothing to close.
				os.Exit(0)
			}
			go fyne.Do(a.Quit) // never held up by a loop that has ended
			<-clk.After(time.Second)
		}
	})
	if err != nil {
		log.Warn("the installer will not be able to close this app by itself", "err", err)
	}
	// Logged once the request can be heard: an installer (or a test) that
	// sees this line can ask the app to quit.
	log.Info("desktop app starting", "version", version, "pid", os.Getpid())
}
