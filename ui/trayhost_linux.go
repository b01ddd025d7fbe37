package ui

import (
	"os"

	"github.com/godbus/dbus/v5"
)

// trayHostPresent asks the session bus whether a StatusNotifier host (the
// tray that fyne's systray talks to) is running. GNOME without the
// AppIndicator extension has none: then the window must not hide.
func trayHostPresent() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false // godbus would autolaunch a stray bus
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
