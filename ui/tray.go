package ui

import (
	"context"
	"net/url"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"mangotqm/assets"
	"mangotqm/ui/vm"
)

var trayIcons = map[vm.Health]fyne.Resource{
	vm.HealthGood:      fyne.NewStaticResource("tray-good.png", assets.TrayGood),
	vm.HealthAttention: fyne.NewStaticResource("tray-attention.png", assets.TrayAttention),
	vm.HealthError:     fyne.NewStaticResource("tray-error.png", assets.TrayError),
}

// setupTray adds the tray icon and menu where the platform has a tray.
func (u *UI) setupTray() {
	desk, ok := u.app.(desktop.App)
	if !ok {
		return
	}
	u.trayPause = fyne.NewMenuItem(u.tr.T("ui.action.pause"), func() {
		if u.main != nil {
			u.main.togglePause()
		}
	})
	menu := fyne.NewMenu(u.tr.T("ui.app.title"),
		fyne.NewMenuItem(u.tr.T("ui.tray.show"), u.showWindow),
		fyne.NewMenuItem(u.tr.T("ui.tray.copy"), func() {
			if u.core != nil && len(u.core.Endpoints()) > 0 {
				url := u.core.Endpoints()[0].URL
				u.app.Clipboard().SetContent(url)
				go func() { _ = u.core.MarkURLCopied(context.Background(), url) }()
			}
		}),
		u.trayPause,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(u.tr.T("ui.action.quit"), func() { u.app.Quit() }),
	)
	menu.Items[len(menu.Items)-1].IsQuit = true
	u.trayMenu = menu
	desk.SetSystemTrayMenu(menu)
	desk.SetSystemTrayIcon(trayIcons[vm.HealthAttention])
	if u.main != nil {
		desk.SetSystemTrayWindow(u.main.w)
	}
}

// updateTray shows the state on the tray icon and menu.
func (u *UI) updateTray(h vm.Header) {
	desk, ok := u.app.(desktop.App)
	if !ok || u.trayMenu == nil {
		return
	}
	desk.SetSystemTrayIcon(trayIcons[h.Health])
	label := u.tr.T("ui.action.pause")
	if h.Paused {
		label = u.tr.T("ui.action.resume")
	}
	if u.trayPause.Label != label {
		u.trayPause.Label = label
		u.trayMenu.Refresh()
	}
}

// trayAvailable: closing the window may hide it only where a tray exists
// to bring it back (Linux needs a StatusNotifier host).
func (u *UI) trayAvailable() bool {
	if _, ok := u.app.(desktop.App); !ok {
		return false
	}
	return trayHostPresent()
}

func fileURL(dir string) (*url.URL, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}, nil
}
