package ui

import "fyne.io/fyne/v2"

// The smallest screen the app must fit: 1366×768 with the title bar and
// the Windows taskbar taking their share — about 690 px of height.
const (
	screenFitW = 1366
	screenFitH = 690
)

// fitScreen clamps a window or dialog size to the smallest screen, so the
// bottom button row is never under the taskbar.
func fitScreen(s fyne.Size) fyne.Size {
	return fyne.NewSize(min(s.Width, screenFitW), min(s.Height, screenFitH))
}
