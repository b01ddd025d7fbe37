package ui

// The start-up screen for a damaged database: besides why (the detail,
// naming the newest backup), it offers «Спасти данные» (copy what is still
// readable into a new database) and «Восстановить из копии…»; either way
// the bridge then starts and fetches the calls that may be missing.

import (
	"context"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
)

// damagedPane is the refusal screen's content with the two ways out.
func (u *UI) damagedPane(w fyne.Window, detail string) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(u.tr.T("ui.salvage.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	explain := widget.NewLabel(u.tr.T("ui.salvage.explain"))
	explain.Wrapping = fyne.TextWrapWord
	body := widget.NewLabel(detail)
	body.Wrapping = fyne.TextWrapWord
	salvage := widget.NewButton(u.tr.T("ui.salvage.button"), func() { u.salvageData(w) })
	salvage.Importance = widget.HighImportance
	restore := widget.NewButton(u.tr.T("ui.backup.restore"), func() { u.restoreDialogFrom(w, bridge.BackupsIn(u.dataDir)) })
	if len(bridge.BackupsIn(u.dataDir)) == 0 {
		restore.Disable()
	}
	quit := widget.NewButton(u.tr.T("ui.salvage.quit"), func() { u.app.Quit() })
	return container.NewBorder(container.NewVBox(head, explain), container.NewHBox(salvage, restore, quit), nil, nil,
		container.NewVScroll(body))
}

// salvageData salvages the damaged database and starts the bridge on the
// new one, saying how many calls were saved.
func (u *UI) salvageData(w fyne.Window) {
	u.reopen(w, u.tr.T("ui.salvage.working"), u.tr.T("ui.salvage.done_title"), "ui.error.salvage", func(ctx context.Context) (string, error) {
		res, err := bridge.Salvage(ctx, u.dataDir)
		if err != nil {
			u.log.Error("salvage failed", "err", err)
			return "", err
		}
		u.log.Info("database salvaged", "calls_saved", res.Calls, "call_rows_lost", res.Lost, "rows_saved", res.Rows,
			"damaged_kept_as", res.Damaged, "gap_from", res.Gap.From)
		msg := u.tr.T("ui.salvage.done", map[string]any{"N": res.Calls})
		if res.Lost > 0 {
			msg += "\n" + u.tr.T("ui.salvage.lost", map[string]any{"Lost": res.Lost})
		}
		if res.Unknown {
			msg += "\n" + u.tr.T("ui.salvage.unknown")
		}
		if res.FromBackup > 0 {
			msg += "\n" + u.tr.T("ui.salvage.from_backup", map[string]any{"N": res.FromBackup})
		}
		msg += "\n" + u.tr.T("ui.salvage.kept", map[string]any{"File": strings.TrimPrefix(res.Damaged, u.dataDir+string(filepath.Separator))})
		return msg, nil
	})
}
