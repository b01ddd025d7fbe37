package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mangotqm/app/bridge"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// backupSection: the database's backups in the settings window — how many
// there are and the newest, «Сделать копию сейчас», «Восстановить…».
func (u *UI) backupSection(w fyne.Window) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(u.tr.T("ui.backup.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	state := widget.NewLabel("")
	state.Wrapping = fyne.TextWrapWord
	show := func() { state.SetText(u.backupSummary(u.bridge.Backups())) }
	show()
	now := widget.NewButton(u.tr.T("ui.backup.now"), nil)
	now.OnTapped = func() {
		now.Disable()
		go func() {
			p, err := u.bridge.Backup(context.Background())
			u.onUI(func() {
				now.Enable()
				if err != nil {
					u.showError(w, "ui.error.backup", err)
					return
				}
				show()
				dialog.ShowInformation(u.tr.T("ui.backup.title"), u.tr.T("ui.backup.done", map[string]any{"File": filepath.Base(p)}), w)
			})
		}()
	}
	restore := widget.NewButton(u.tr.T("ui.backup.restore"), func() { u.restoreDialog(w) })
	if u.demo {
		restore.Disable()
	}
	return container.NewVBox(title, state, container.NewHBox(now, restore))
}

// backupSummary: «Копий: 3, последняя: 02.12 03:00» or that there is none.
func (u *UI) backupSummary(list []string) string {
	if len(list) == 0 {
		return u.tr.T("ui.backup.none")
	}
	newest := backupTime(list[0])
	return u.tr.T("ui.backup.summary", map[string]any{"N": len(list), "Newest": newest})
}

// backupTime is when a backup file was written, as the user reads it.
func backupTime(path string) string {
	if st, err := os.Stat(path); err == nil {
		return st.ModTime().Local().Format("02.01.2006 15:04")
	}
	return filepath.Base(path)
}

// restoreDialog picks a backup, asks for confirmation, then restores it:
// the bridge closes, the copy replaces the database (the replaced one is
// kept beside it), and a new bridge starts on it in a new main window.
func (u *UI) restoreDialog(parent fyne.Window) {
	list := u.bridge.Backups()
	if len(list) == 0 {
		dialog.ShowInformation(u.tr.T("ui.backup.title"), u.tr.T("ui.backup.none"), parent)
		return
	}
	labels := make([]string, len(list))
	for i, p := range list {
		labels[i] = backupTime(p) + " — " + filepath.Base(p)
	}
	pick := widget.NewSelect(labels, nil)
	pick.SetSelectedIndex(0)
	warn := widget.NewLabel(u.tr.T("ui.backup.restore_warning"))
	warn.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(warn, pick)
	d := dialog.NewCustomConfirm(u.tr.T("ui.backup.restore"), u.tr.T("ui.backup.restore_confirm"), u.tr.T("ui.action.cancel"),
		content, func(ok bool) {
			if !ok || pick.SelectedIndex() < 0 {
				return
			}
			u.restoreBackup(parent, list[pick.SelectedIndex()])
		}, parent)
	d.Resize(fyne.NewSize(560, 260))
	d.Show()
}

// restoreBackup swaps the database for the backup from and starts again.
func (u *UI) restoreBackup(parent fyne.Window, from string) {
	old, oldMain := u.bridge, u.main
	progress := dialog.NewCustomWithoutButtons(u.tr.T("ui.backup.restore"), widget.NewProgressBarInfinite(), parent)
	progress.Show()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if oldMain != nil {
			oldMain.stop()
		}
		if err := old.Close(ctx); err != nil {
			u.log.Warn("close before restore", "err", err)
		}
		replaced, rerr := bridge.Restore(ctx, u.dataDir, from)
		if rerr != nil {
			u.log.Error("restore failed", "from", from, "err", rerr)
		} else {
			u.log.Info("database restored from a backup", "from", from, "replaced_kept_as", replaced)
		}
		// Whatever happened, the bridge opens again on what is there now.
		b, err := u.openBridge(ctx)
		u.onUI(func() {
			progress.Hide()
			if err != nil {
				u.fatal(err)
				return
			}
			u.bridge = b
			if oldMain != nil {
				// The old master window stays hidden: closing it would quit.
				oldMain.w.Hide()
			}
			if u.settingsWin != nil {
				u.settingsWin.Close()
				u.settingsWin = nil
			}
			u.startBridge()
			if rerr != nil {
				u.showError(u.main.w, "ui.error.restore", rerr)
				return
			}
			msg := u.tr.T("ui.backup.restored", map[string]any{"File": filepath.Base(from)})
			if replaced != "" {
				msg += "\n" + u.tr.T("ui.backup.replaced_kept", map[string]any{"File": strings.TrimPrefix(replaced, u.dataDir+string(filepath.Separator))})
			}
			dialog.ShowInformation(u.tr.T("ui.backup.title"), msg, u.main.w)
		})
	}()
}
