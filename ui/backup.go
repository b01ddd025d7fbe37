package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/ui/vm"

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
	u.restoreDialogFrom(parent, u.bridge.Backups())
}

// restoreDialogFrom is restoreDialog over list (newest first); it works
// with no bridge running too (the damaged-database screen).
func (u *UI) restoreDialogFrom(parent fyne.Window, list []string) {
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

// restoreBackup swaps the database for the backup from and starts again;
// the new bridge then fetches the calls after the backup (showGap).
func (u *UI) restoreBackup(parent fyne.Window, from string) {
	u.reopen(parent, u.tr.T("ui.backup.restore"), u.tr.T("ui.backup.title"), "ui.error.restore", func(ctx context.Context) (string, error) {
		res, err := bridge.RestoreBackup(ctx, u.dataDir, from)
		if err != nil {
			u.log.Error("restore failed", "from", from, "err", err)
			return "", err
		}
		u.log.Info("database restored from a backup", "from", from, "replaced_kept_as", res.Replaced,
			"calls_carried_over", res.Carried, "gap_from", res.Gap.From)
		msg := u.tr.T("ui.backup.restored", map[string]any{"File": filepath.Base(from)})
		if res.Replaced != "" {
			msg += "\n" + u.tr.T("ui.backup.replaced_kept", map[string]any{"File": strings.TrimPrefix(res.Replaced, u.dataDir+string(filepath.Separator))})
		}
		return msg, nil
	})
}

// reopen closes the running bridge (if any), runs swap on the closed data
// folder, opens a new bridge on what is there then and shows the main
// window with swap's message and the gap's progress — or, when swap
// failed, its error (errKey). title is the progress's, doneTitle the
// message's.
func (u *UI) reopen(parent fyne.Window, title, doneTitle, errKey string, swap func(ctx context.Context) (string, error)) {
	old, oldMain := u.bridge, u.main
	progress := dialog.NewCustomWithoutButtons(title, widget.NewProgressBarInfinite(), parent)
	progress.Show()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if oldMain != nil {
			oldMain.stop()
		}
		if old != nil {
			if err := old.Close(ctx); err != nil {
				u.log.Warn("close before restore", "err", err)
			}
		}
		msg, serr := swap(ctx)
		// Whatever happened, the bridge opens again on what is there now.
		b, err := u.openBridge(ctx)
		u.onUI(func() {
			progress.Hide()
			if err != nil {
				if old == nil && serr != nil { // still damaged: the same screen, with why
					u.fatal(fmt.Errorf("%w (%w)", err, serr))
					parent.Close()
					return
				}
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
			if old == nil {
				u.exitCode = 0
				parent.Close() // the damaged-database screen; the main window is open now
			}
			if serr != nil {
				u.showError(u.main.w, errKey, serr)
				return
			}
			u.showGap(u.main.w, b, doneTitle, msg)
		})
	}()
}

// showGap shows msg and, below it, the fetching of the calls that may be
// missing after a restore or salvage, live.
func (u *UI) showGap(w fyne.Window, b vm.Gap, title, msg string) {
	head := widget.NewLabel(msg)
	head.Wrapping = fyne.TextWrapWord
	line := widget.NewLabel("")
	line.Wrapping = fyne.TextWrapWord
	bar := widget.NewProgressBar()
	var d dialog.Dialog
	apply := func() {
		defer func() {
			if d != nil {
				d.Resize(fyne.NewSize(560, 0)) // the text's height changes
			}
		}()
		l := vm.GapText(b.GapStatus())
		if l.Key == "" {
			line.Hide()
			bar.Hide()
			return
		}
		line.SetText(u.redactor.Redact(u.tr.T(l.Key, l.Data)))
		line.Show()
		bar.SetValue(l.Value)
		bar.Hidden = !l.Busy && l.Value == 0
		bar.Refresh()
	}
	apply()
	d = dialog.NewCustom(title, u.tr.T("ui.wizard.close"), container.NewVBox(head, line, bar), w)
	events, stop := b.Subscribe()
	d.SetOnClosed(stop)
	go func() {
		for e := range events {
			if e.Kind == bridge.EventGap || e.Kind == bridge.EventIncident {
				u.onUI(apply)
			}
		}
	}()
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}
