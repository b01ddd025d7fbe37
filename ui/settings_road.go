package ui

// Settings → «Подключение»: the road form (the wizard's road page) in its
// own window, applied at once without a restart.

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
)

// roadSettings is the «Подключение» window's form and status line.
type roadSettings struct {
	form   *roadForm
	status *widget.Label
	save   *widget.Button
}

// roadButton opens the «Подключение» window (Settings' hook).
func (u *UI) roadButton() fyne.CanvasObject {
	b := widget.NewButton(u.tr.T("road.settings.tab")+"…", u.showRoadSettings)
	if u.demo {
		b.Disable()
	}
	return b
}

// showRoadSettings shows the road form in a window of its own; which roads
// the saved secrets allow is read from the keychain first.
func (u *UI) showRoadSettings() {
	w := u.app.NewWindow(u.tr.T("ui.settings.title") + " — " + u.tr.T("road.settings.tab"))
	w.SetContent(progress(u.tr.T("road.check.checking")))
	w.Resize(fyne.NewSize(760, 560))
	w.Show()
	u.roadWin = w
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, errK := u.keychain.Get(ctx, secrets.MangoVPBXKey)
		_, errS := u.keychain.Get(ctx, secrets.MangoVPBXSalt)
		u.onUI(func() { u.fillRoadSettings(w, errK == nil && errS == nil) })
	}()
}

func (u *UI) fillRoadSettings(w fyne.Window, vpbxStored bool) {
	tr := u.tr
	f := newRoadForm(u, vpbxStored, &syncGroup{add: func() {}, done: func() {}})
	f.ngrokNote = "road.check.ngrok_note_settings" // no last step here
	f.update()
	title := widget.NewLabelWithStyle(tr.T("road.page.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	var save *widget.Button
	save = widget.NewButton(tr.T("road.save"), func() {
		save.Disable()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			err := f.save(ctx)
			u.onUI(func() {
				save.Enable()
				if err != nil {
					status.SetText(f.errorText(err))
					status.Importance = widget.DangerImportance
				} else {
					status.SetText(tr.T("road.saved"))
					status.Importance = widget.SuccessImportance
				}
				status.Refresh()
			})
		}()
	})
	save.Importance = widget.HighImportance
	u.roadTour = roadSettings{form: f, status: status, save: save}
	w.SetContent(container.NewBorder(title, container.NewVBox(status, container.NewHBox(save)), nil, nil,
		container.NewVScroll(f.content())))
}
