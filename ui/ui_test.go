package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestPlaceholderLabel(t *testing.T) {
	test.NewTempApp(t)
	l := widget.NewLabel("mangotqm")
	w := test.NewTempWindow(t, l)
	if w.Content() != l {
		t.Fatal("window does not show the label")
	}
}
