package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
)

// Tr renders texts in the chosen language.
type Tr struct{ Lang string }

// T returns the text of key; data fills template fields.
func (t Tr) T(key string, data ...map[string]any) string {
	var d map[string]any
	if len(data) > 0 {
		d = data[0]
	}
	return glyphs.Replace(i18n.T(t.Lang, key, d))
}

// glyphs replaces characters that Fyne's bundled font lacks (Windows has
// no fallback font for them: they show as «�»); menu paths read «A > B».
var glyphs = strings.NewReplacer("→", ">", "✓ ", "", "✓", "", "▾", "")

// Data is T with explicit data: the view models' vm.TranslateData.
func (t Tr) Data(key string, data map[string]any) string { return t.T(key, data) }

func progress(text string) fyne.CanvasObject {
	bar := widget.NewProgressBarInfinite()
	return container.NewVBox(widget.NewLabel(text), bar)
}

func errorPane(tr Tr, title, detail string, onQuit func()) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	body := widget.NewLabel(detail)
	body.Wrapping = fyne.TextWrapWord
	return container.NewBorder(head, container.NewHBox(widget.NewButton(tr.T("ui.action.quit"), onQuit)), nil, nil,
		container.NewVScroll(body))
}

// keychainProblem explains, in plain words, why secrets cannot be kept and
// how to fix it. There is deliberately no fallback to a file.
func keychainProblem(tr Tr, err error) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(tr.T("ui.keychain.unavailable.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	how := widget.NewLabel(tr.T("ui.keychain.unavailable.how"))
	how.Wrapping = fyne.TextWrapWord
	detail := widget.NewLabel(tr.T("ui.keychain.unavailable.detail", map[string]any{"Error": err.Error()}))
	detail.Wrapping = fyne.TextWrapWord
	if !errors.Is(err, secrets.ErrUnavailable) {
		detail.SetText(err.Error())
	}
	return container.NewVBox(head, how, detail)
}

// showError tells the user in their language what failed (key), with the
// technical detail (redacted) underneath for support. Every error dialog of
// the app goes through here: error texts from lower layers are English
// and technical, never the message itself.
func (u *UI) showError(w fyne.Window, key string, err error) {
	if err != nil {
		u.log.Warn("shown to the user", "what", key, "err", err)
		err = errors.New(u.redactor.Redact(err.Error()))
	}
	showError(u.tr, w, key, err)
}

func showError(tr Tr, w fyne.Window, key string, err error) {
	p := vm.ErrorProblem(key, err)
	text := tr.T(key)
	if p.Key != key {
		text += "\n" + tr.T(p.Key) // no network, no answer: what to do
	}
	showProblems(tr, w, text, nil, p.Detail)
}

// showProblems is the app's error dialog: what failed in the user's words,
// one line per field to fix, and the technical detail (redacted by the
// caller) folded under «Подробнее», with Copy for support.
func showProblems(tr Tr, w fyne.Window, text string, lines []string, detail string) {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(msg)
	for _, l := range lines {
		item := widget.NewLabel("• " + l)
		item.Wrapping = fyne.TextWrapWord
		box.Add(item)
	}
	if detail != "" {
		box.Add(detailsFold(tr, w, detail))
	}
	d := dialog.NewCustom(tr.T("ui.error.title"), tr.T("ui.wizard.close"), box, w)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// detailsFold is «Подробнее»: the technical text, closed until clicked,
// with a Copy button that says it copied.
func detailsFold(tr Tr, w fyne.Window, detail string) fyne.CanvasObject {
	body := widget.NewLabel(detail)
	body.Wrapping = fyne.TextWrapWord
	body.Importance = widget.LowImportance
	var copyBtn *widget.Button
	copyBtn = widget.NewButton(tr.T("desk.copy"), func() {
		fyne.CurrentApp().Clipboard().SetContent(detail)
		copyBtn.SetText(tr.T("desk.copied"))
	})
	return widget.NewAccordion(widget.NewAccordionItem(tr.T("desk.more"),
		container.NewVBox(body, container.NewHBox(copyBtn))))
}
