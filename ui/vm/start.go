package vm

// StartHidden decides whether the main window stays hidden at start: only
// when the user asked to start minimised, a tray icon exists to bring the
// window back, and the app is set up (the first run shows its wizard).
func StartHidden(minimised, trayHost, setUp bool) bool { return minimised && trayHost && setUp }
