package ui

// «Изменить ключи…» (Settings): a list of the keys, each with «Изменить»
// opening just its step with «Отмена» and «Сохранить»; a saved key applies
// at once and the confirmation shows in this window, in front.

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
	"mangotqm/ui/vm"
)

// showKeys shows «Изменить ключи» in w (a new window).
func (u *UI) showKeys(w fyne.Window) *wizard {
	z := &wizard{u: u, w: w, steps: vm.WizardSteps(), keys: true, i: -1, stored: map[secrets.Name]bool{}}
	z.vpbx = &vm.VPBXCheck{Check: u.bridge.VPBXChecker(), Clock: u.clk()}
	z.onDone = z.keySaved
	w.SetTitle(u.tr.T("ui.keys.title"))
	w.Resize(fyne.NewSize(760, 560))
	w.SetCloseIntercept(z.close) // wizard_close.go
	z.showKeyList()
	z.loadStored()
	return z
}

// keyEdit holds the list's «Изменить» buttons (tests tap them).
type keyEdit struct {
	row vm.KeyRow
	btn *widget.Button
}

// showKeyList is the list: each key, whether it is stored, «Изменить».
func (z *wizard) showKeyList() {
	tr := z.u.tr
	z.i = -1
	title := widget.NewLabelWithStyle(tr.T("ui.keys.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	help := widget.NewLabel(tr.T("ui.keys.help"))
	help.Wrapping = fyne.TextWrapWord
	list := container.NewVBox()
	z.keyEdits = z.keyEdits[:0]
	for _, r := range vm.KeyRows(z.steps, z.stored) {
		step := r.Step
		btn := widget.NewButton(tr.T("ui.keys.edit"), func() { z.show(step) })
		z.keyEdits = append(z.keyEdits, keyEdit{row: r, btn: btn})
		state := widget.NewLabel(tr.T(r.StateKey))
		if r.StateKey == "ui.keys.state.missing" {
			state.Importance = widget.WarningImportance
		}
		name := widget.NewLabelWithStyle(tr.T(r.TitleKey), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(state, btn), name))
	}
	z.closeBtn = widget.NewButton(tr.T("ui.wizard.close"), func() { z.w.Close() })
	z.w.SetContent(container.NewBorder(container.NewVBox(title, help), container.NewHBox(z.closeBtn), nil, nil,
		container.NewVScroll(list)))
}

// keyButtons turns a step's buttons into «Отмена» (back to the list,
// nothing stored) and «Сохранить».
func (z *wizard) keyButtons() {
	tr := z.u.tr
	z.back.SetText(tr.T("ui.keys.cancel"))
	z.back.OnTapped = z.showKeyList
	z.next.SetText(tr.T("ui.action.save"))
}

// keySaved: back to the list; the bridge takes the new key now, and the
// confirmation shows in front of this window.
func (z *wizard) keySaved() {
	z.showKeyList()
	go z.u.bridge.ReloadSecrets(context.Background())
	dialog.ShowInformation(z.u.tr.T("ui.keys.title"), z.u.tr.T("ui.settings.keys_applied"), z.w)
}
