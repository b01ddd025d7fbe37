package instance

// Quit requests: the Windows installer and uninstaller replace or remove
// mangotqm.exe, which Windows refuses while the program runs. Every desktop
// app therefore watches one session-wide request to quit (WatchQuit) and, when
// it comes (RequestQuit, or packaging/windows/installer.nsi doing the same
// with kernel32 calls), quits as if «Выход» had been chosen in the tray:
// the bridge closes, nothing is lost.
//
// On Windows the request is the named manual-reset event QuitEventName in
// the session's Local\ namespace. Each watching process keeps a handle to it
// until it ends, so the event exists exactly as long as some watching
// process runs: the installer sets it, then waits for it to disappear. The
// kernel drops it with the last handle, so a request never outlives the
// programs it was meant for, and a copy started after them runs normally.
//
// Other systems have no installer that needs this: WatchQuit does nothing
// there and RequestQuit finds nothing running.

// QuitEventName is the Windows event behind WatchQuit and RequestQuit. The
// NSIS script (packaging/windows/installer.nsi) spells the same name.
const QuitEventName = `Local\mangotqm-quit`
