package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"

	"mangotqm/assets"
	"mangotqm/ui/vm"
)

var trayIcons = map[vm.Health]fyne.Resource{
	vm.HealthGood:      fyne.NewStaticResource("tray-good.png", assets.TrayGood),
	vm.HealthAttention: fyne.NewStaticResource("tray-attention.png", assets.TrayAttention),
	vm.HealthError:     fyne.NewStaticResource("tray-error.png", assets.TrayError),
}

// tray is the tray icon's menu. Its items are kept to relabel them.
type tray struct {
	menu                     *fyne.Menu
	state, copy, pause, mute *fyne.MenuItem
	last                     vm.Tray
	lastTooltip              string
	desk                     desktop.App
}

// setupTray adds the tray icon and menu where the platform has a tray: a
// status line, Show window, Copy webhook URL, Pause sending, mute
// notifications, Quit (which drains deliveries: see shutdown).
func (u *UI) setupTray() {
	desk, ok := u.app.(desktop.App)
	if !ok {
		return
	}
	t := &tray{desk: desk}
	t.state = fyne.NewMenuItem(u.tr.T("ui.tunnel.connecting"), nil)
	t.state.Disabled = true
	t.copy = fyne.NewMenuItem(u.tr.T("ui.tray.copy"), func() {
		if u.main != nil && len(u.main.b.Endpoints()) > 0 {
			u.copyURL(u.main.b.Endpoints()[0].URL)
		}
	})
	t.copy.Disabled = true
	t.pause = fyne.NewMenuItem(u.tr.T("ui.action.pause"), func() {
		if u.main != nil {
			u.main.togglePause()
		}
	})
	t.mute = fyne.NewMenuItem(u.tr.T("ui.settings.muted"), nil)
	t.mute.Checked = u.settings.Muted()
	t.mute.Action = func() { u.setMuted(!t.mute.Checked) }
	quit := fyne.NewMenuItem(u.tr.T("ui.action.quit"), func() { u.app.Quit() })
	quit.IsQuit = true
	t.menu = fyne.NewMenu(u.tr.T("ui.app.title"),
		t.state,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(u.tr.T("ui.tray.show"), u.showWindow),
		t.copy,
		t.pause,
		t.mute,
		fyne.NewMenuItemSeparator(),
		quit,
	)
	u.tray = t
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayIcon(trayIcons[vm.HealthAttention])
	if u.main != nil {
		desk.SetSystemTrayWindow(u.main.w)
	}
}

// updateTray shows the state on the tray icon, tooltip and menu.
func (u *UI) updateTray(h vm.Header) {
	t := u.tray
	if t == nil {
		return
	}
	s := vm.TrayOf(h)
	tooltip := u.tr.T(s.Tooltip) + "\n" + u.tr.T("ui.counts", vm.CountsData(h.Counts)) + trayRoadLine(h) // header_road.go
	if s == t.last && tooltip == t.lastTooltip && t.mute.Checked == u.settings.Muted() {
		return
	}
	t.last, t.lastTooltip = s, tooltip
	t.desk.SetSystemTrayIcon(trayIcons[s.Health])
	// Fyne has no tooltip call; its systray does (StatusNotifierItem ToolTip
	// on Linux, the notify icon's tip on Windows, the status item on macOS).
	systray.SetTooltip(tooltip)
	t.state.Label = u.tr.T(s.Tooltip)
	t.pause.Label = u.tr.T(s.PauseKey)
	t.copy.Disabled = !s.CanCopy
	t.mute.Checked = u.settings.Muted()
	t.menu.Refresh()
}

// setMuted turns incident notifications off or on (tray and settings).
func (u *UI) setMuted(m bool) {
	u.settings.SetMuted(m)
	if u.main != nil {
		u.main.notifier.SetMuted(m)
	}
	if u.tray != nil {
		u.tray.mute.Checked = m
		u.tray.menu.Refresh()
	}
}

// copyURL puts the webhook URL on the clipboard and tells the core, which
// warns later if the URL changes after it was pasted into Mango.
func (u *UI) copyURL(url string) {
	u.app.Clipboard().SetContent(url)
	if u.main == nil {
		return
	}
	b := u.main.b
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.MarkURLCopied(ctx, url); err != nil {
			u.log.Warn("remember copied URL", "err", err)
		}
	}()
}

// trayAvailable: closing the window may hide it only where a tray exists
// to bring it back (Linux needs a StatusNotifier host).
func (u *UI) trayAvailable() bool {
	if _, ok := u.app.(desktop.App); !ok {
		return false
	}
	return trayHostPresent()
}
