package ui

// Closing a window never leaves an invisible process (issue 20, item 1):
// the wizard and the main window follow one rule, vm.DecideClose.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/ui/vm"
)

// prefCloseExplained: the one-time explanation of what closing does was
// shown (and accepted).
const prefCloseExplained = "closeExplained"

// hasTray: a tray icon exists to bring a hidden window back.
func (u *UI) hasTray() bool {
	if u.testTray != nil {
		return *u.testTray
	}
	return u.tray != nil && u.trayAvailable()
}

// quit ends the app (shutdown drains deliveries after a.Run returns).
func (u *UI) quit() {
	if u.testQuit != nil {
		u.testQuit()
		return
	}
	u.app.Quit()
}

// closeLast applies the close rule to w: last says no other window of the
// app stays shown; hide hides w to the tray.
func (u *UI) closeLast(w fyne.Window, last bool, hide func()) {
	d := vm.DecideClose(last, u.hasTray(), u.app.Preferences().Bool(prefCloseExplained))
	act := func() {
		switch d.Action {
		case vm.CloseOnly:
			w.Close()
		case vm.HideToTray:
			hide()
		case vm.Quit:
			u.quit()
		}
	}
	if d.NoteKey == "" {
		act()
		return
	}
	title, text := u.tr.T("ui.close.title"), u.tr.T(d.NoteKey)
	if d.Action == vm.Quit {
		// The one chance to stay: quitting stops sending calls.
		c := dialog.NewCustomConfirm(title, u.tr.T("ui.close.quit"), u.tr.T("ui.close.stay"), wrapped(text), func(ok bool) {
			if ok {
				u.app.Preferences().SetBool(prefCloseExplained, true)
				act()
			}
		}, w)
		c.Resize(fyne.NewSize(520, 260))
		u.closeDialog = c
		c.Show()
		return
	}
	// Hidden once the note is read: it says where the app went.
	note := dialog.NewCustom(title, u.tr.T("ui.close.ok"), wrapped(text), w)
	note.SetOnClosed(act)
	note.Resize(fyne.NewSize(520, 240))
	u.closeDialog = note
	u.app.Preferences().SetBool(prefCloseExplained, true)
	note.Show()
}

// close is the wizard window's close button. Before the app is set up
// (no main window yet) it simply quits: nothing runs to keep.
func (z *wizard) close() {
	u := z.u
	if u.main == nil {
		u.quit()
		return
	}
	// «Изменить ключи…» sits over the main window; the first-run wizard
	// is the only window shown (the main window waits hidden behind it).
	last := !z.keys
	u.closeLast(z.w, last, func() {
		if u.finalWizard == z {
			u.finalWizard = nil
		}
		z.w.Close() // the main window stays hidden; the tray shows it
	})
}

// wrapped is a dialog's text, wrapped to the dialog's width.
func wrapped(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
