package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
)

// wizard walks a first-time user through the secrets, one step at a time,
// after an intro page that says what is needed; values go straight to the
// OS keychain. After the last step it waits for the bridge to come up —
// showing the tunnel's state and its reason — and ends by showing the
// webhook URL with Copy and the exact place in Mango to paste it.
// «Изменить ключи…» runs it in keys mode (wizard_keys.go): a list of the
// keys, each opening just its step. The steps and their checks are the
// view model's (vm.WizardSteps); this file holds the widgets.
type wizard struct {
	u        *UI
	w        fyne.Window
	steps    []vm.WizardStep
	i        int    // the step shown (intro: 0 with intro set)
	intro    bool   // the intro page is shown
	hasIntro bool   // the wizard began with the intro (first run)
	keys     bool   // «Изменить ключи…»: one key at a time (wizard_keys.go)
	onDone   func() // after the last step is saved

	title, help, status *widget.Label
	note                *widget.Label // the step's explanatory paragraph
	page                vm.WizardPage // the one message under the fields (status)
	entries             []*widget.Entry
	next, back, skip    *widget.Button
	start               *widget.Button // the intro's
	lang                *widget.Select // the intro's language choice
	checkBtn            *widget.Button // the VPBX step's live check
	vpbx                *vm.VPBXCheck
	stored              map[secrets.Name]bool // secrets already in the keychain

	// The last page.
	waiting  bool
	reason   *widget.Label
	toMain   *widget.Button
	url      *widget.Entry
	copyBtn  *widget.Button
	closeBtn *widget.Button

	pending sync.WaitGroup // keychain writes, checks (tests wait for them)

	keyEdits []keyEdit // «Изменить ключи»: the list's buttons (wizard_keys.go)

	road roadPage // wizard_road.go
	// switchBox holds the last page's one-click switch of road.
	switchBox *fyne.Container
}

// newWizard shows the wizard in w, from its intro page when intro is set.
func newWizard(u *UI, w fyne.Window, intro bool, onDone func()) *wizard {
	z := &wizard{u: u, w: w, steps: vm.WizardSteps(), onDone: onDone, stored: map[secrets.Name]bool{}}
	z.vpbx = &vm.VPBXCheck{Check: u.bridge.VPBXChecker(), Clock: u.clk()}
	w.Resize(fyne.NewSize(760, 560))
	w.SetCloseIntercept(z.close) // wizard_close.go
	z.hasIntro = intro
	if intro {
		z.showIntro()
	} else {
		z.show(0)
	}
	z.loadStored()
	return z
}

// showWizard starts the wizard in w. On first run it starts with the intro
// and then starts the bridge; later («Изменить ключи…») it lists the keys
// and changes one at a time, applied at once (wizard_keys.go).
func (u *UI) showWizard(w fyne.Window) *wizard {
	if u.main != nil && u.finalWizard == nil {
		return u.showKeys(w)
	}
	var z *wizard
	z = newWizard(u, w, true, func() {
		u.finalWizard = z
		z.waitForURL()
		if u.main != nil {
			// Back from the last page with new keys: the bridge runs
			// already and takes them now.
			go u.bridge.ReloadSecrets(context.Background())
			return
		}
		u.startBridge()
	})
	return z
}

// loadStored learns which secrets are kept already (off the UI goroutine:
// the keychain may be slow), to say so in the fields' placeholders.
func (z *wizard) loadStored() {
	z.pending.Add(1)
	go func() {
		defer z.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stored := vm.StoredSecrets(ctx, z.u.keychain, z.steps)
		z.u.onUI(func() {
			z.stored = stored
			z.placeholders()
			if z.keys && z.i < 0 {
				z.showKeyList() // the list says which keys are stored
			}
		})
	}()
}

// placeholders: a fresh install asks to paste the value; a stored one may
// be kept by leaving the field empty.
func (z *wizard) placeholders() {
	if z.intro || z.waiting || z.i < 0 || z.i >= len(z.steps) {
		return
	}
	for j, f := range z.steps[z.i].Fields {
		if f.Plain() || j >= len(z.entries) {
			continue
		}
		key := "ui.wizard.placeholder_new"
		if z.stored[f.Secret] {
			key = "ui.wizard.placeholder_secret"
		}
		z.entries[j].SetPlaceHolder(z.u.tr.T(key))
	}
}

func (z *wizard) stepTitle(n int, key string) *widget.Label {
	tr := z.u.tr
	text := tr.T(key)
	if !z.keys { // changing keys: one page, no step count
		text = tr.T("ui.wizard.step", map[string]any{"N": n, "Of": len(z.steps) + 1}) + " — " + text
	}
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// explanation is a step's explanatory paragraph: the theme's ordinary text
// colour (contrast ≥ 4.5:1 in both themes; the low-importance grey measured
// 1.3:1 on white), set apart by italics.
func explanation(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	l.Wrapping = fyne.TextWrapWord
	return l
}

// showIntro: what the user needs and how long it takes; the language.
func (z *wizard) showIntro() {
	tr := z.u.tr
	z.intro, z.waiting = true, false
	title := widget.NewLabelWithStyle(tr.T("ui.wizard.intro.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(tr.T("ui.wizard.intro.text"))
	text.Wrapping = fyne.TextWrapWord
	z.lang = widget.NewSelect([]string{tr.T("ui.lang.ru"), tr.T("ui.lang.en")}, nil)
	if tr.Lang == i18n.EN {
		z.lang.SetSelectedIndex(1)
	} else {
		z.lang.SetSelectedIndex(0)
	}
	z.lang.OnChanged = func(string) {
		l := []string{i18n.RU, i18n.EN}[max(z.lang.SelectedIndex(), 0)]
		if l == z.u.tr.Lang {
			return
		}
		z.u.tr = Tr{Lang: l}
		z.u.settings.SetLanguage(l)
		z.w.SetTitle(z.u.tr.T("ui.app.title"))
		z.showIntro()
	}
	z.start = widget.NewButton(tr.T("ui.wizard.intro.start"), func() { z.show(0) })
	z.start.Importance = widget.HighImportance
	form := widget.NewForm(widget.NewFormItem(tr.T("ui.settings.language"), z.lang))
	z.w.SetContent(container.NewBorder(container.NewVBox(title, form), container.NewHBox(z.start), nil, nil,
		container.NewVScroll(text)))
}

func (z *wizard) show(i int) {
	tr := z.u.tr
	z.i, z.intro, z.waiting, z.road.shown = i, false, false, false
	st := z.steps[i]
	z.title = z.stepTitle(i+1, st.TitleKey)
	z.help = widget.NewLabel(tr.T(st.HelpKey))
	z.help.Wrapping = fyne.TextWrapWord
	note := explanation(tr.T(st.Note(z.keys)))
	z.note = note
	z.status = widget.NewLabel("")
	z.status.Wrapping = fyne.TextWrapWord
	z.page.Clear()
	form := widget.NewForm()
	z.entries = make([]*widget.Entry, len(st.Fields))
	for j, f := range st.Fields {
		var e *widget.Entry
		if f.Plain() {
			e = widget.NewEntry()
			e.SetText(f.Get(z.u.bridge.Config()))
		} else {
			// A password entry: the value is never shown in clear, and a
			// stored one is never read back into the window.
			e = widget.NewPasswordEntry()
		}
		z.entries[j] = e
		form.Append(tr.T(f.LabelKey), e)
	}
	z.placeholders()
	z.next = widget.NewButton(tr.T("ui.wizard.next"), z.submit)
	z.next.Importance = widget.HighImportance
	z.back = widget.NewButton(tr.T("ui.wizard.back"), func() {
		if z.i == 0 {
			z.showIntro()
			return
		}
		z.backFrom(z.i) // wizard_road.go: the road page sits between the steps
	})
	buttons := container.NewHBox(z.back, z.next)
	if z.keys { // wizard_keys.go: Cancel and Save, back to the list
		z.keyButtons()
	}
	body := container.NewVBox(form)
	z.skip, z.checkBtn = nil, nil
	if st.Optional() && !z.keys {
		// In the text colour: it stands on the page; the one coloured line
		// is the page's message (item 6), and orange on the light theme
		// reads below 4.5:1 (item 10).
		loss := widget.NewLabel(tr.T(st.LossKey))
		loss.Wrapping = fyne.TextWrapWord
		body.Add(loss)
		z.skip = widget.NewButton(tr.T("ui.wizard.skip"), z.skipStep)
		buttons.Add(z.skip)
	}
	if st.CheckVPBX {
		z.checkBtn = widget.NewButton(tr.T("ui.wizard.vpbx.check"), z.checkVPBX)
		body.Add(container.NewHBox(z.checkBtn))
		if until := z.vpbx.Wait(); !until.IsZero() {
			z.checkBtn.Disable()
			z.page.Info("ui.wizard.vpbx.wait", map[string]any{"Until": until.Local().Format("15:04")})
		}
	}
	z.say()
	z.w.SetContent(container.NewBorder(container.NewVBox(z.title, z.help), container.NewVBox(note, z.status, buttons),
		nil, nil, container.NewVScroll(body)))
}

// say shows the page's one message (vm.WizardPage) in the status line.
func (z *wizard) say() {
	m := z.page.Message
	z.status.SetText("")
	if m.Key != "" {
		z.status.SetText(z.u.tr.T(m.Key, m.Data))
	}
	z.status.Importance = map[vm.Tone]widget.Importance{vm.ToneNeutral: widget.MediumImportance,
		vm.ToneGood: widget.SuccessImportance, vm.ToneWarn: widget.WarningImportance, vm.ToneBad: widget.DangerImportance}[m.Tone]
	z.status.Refresh()
}

func (z *wizard) fail(key string, data map[string]any) {
	z.page.Fail(key, data)
	z.say()
}

// values reads the step's fields, tidied; the bad-format key if one is off.
func (z *wizard) values() ([]string, string) {
	typed := make([]string, len(z.entries))
	for j, e := range z.entries {
		typed[j] = e.Text
	}
	return vm.StepValues(z.steps[z.i], typed)
}

// submit checks the formats, then (off the UI goroutine: the keychain may
// be slow or ask the user to unlock it) stores the values and moves on.
func (z *wizard) submit() {
	st := z.steps[z.i]
	values, bad := z.values()
	if bad != "" {
		z.fail(bad, nil)
		return
	}
	z.next.Disable()
	z.page.Info("ui.wizard.saving", nil)
	z.say()
	step := z.i
	z.pending.Add(1)
	go func() {
		defer z.pending.Done()
		err := z.u.saveStep(st, values)
		z.u.onUI(func() {
			z.next.Enable()
			switch {
			case errors.Is(err, vm.ErrRequired):
				z.fail("ui.wizard.required", nil)
			case errors.Is(err, secrets.ErrUnavailable):
				z.w.SetContent(keychainProblem(z.u.tr, err))
			case err != nil:
				z.fail("ui.wizard.save_failed", map[string]any{"Error": err.Error()})
			default:
				for j, f := range st.Fields {
					if !f.Plain() && values[j] != "" {
						z.stored[f.Secret] = true
					}
				}
				z.advance(step)
			}
		})
	}()
}

// skipStep leaves an optional step as it is (nothing stored or changed).
func (z *wizard) skipStep() { z.advance(z.i) }

func (z *wizard) advance(step int) {
	if z.keys {
		z.keySaved() // wizard_keys.go
		return
	}
	if z.roadAfter(step) { // wizard_road.go
		return
	}
	if step+1 < len(z.steps) {
		z.show(step + 1)
		return
	}
	z.onDone()
}

// checkVPBX sends the one signed request Mango allows to be wrong per two
// minutes, with the values typed (nothing is stored by the check). Its
// result replaces whatever the page said before.
func (z *wizard) checkVPBX() {
	values, bad := z.values()
	if bad != "" {
		z.fail(bad, nil)
		return
	}
	if len(values) < 2 || values[0] == "" || values[1] == "" {
		z.fail("ui.wizard.vpbx.need_both", nil)
		return
	}
	btn := z.checkBtn
	btn.Disable()
	z.page.Info("ui.wizard.vpbx.checking", nil)
	z.say()
	step := z.i
	z.pending.Add(1)
	go func() {
		defer z.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := z.vpbx.Run(ctx, values[0], values[1])
		z.u.onUI(func() {
			if r.Until.IsZero() {
				btn.Enable()
			}
			if z.i != step || z.intro || z.waiting || z.road.shown {
				return // the user moved on
			}
			z.page.Checked(r)
			z.say()
		})
	}()
}

// waitForURL is the wizard's last page until the bridge has its URL: the
// tunnel's state and the reason it is not up yet, and a way to the main
// window while it keeps trying.
func (z *wizard) waitForURL() {
	tr := z.u.tr
	z.waiting = true
	title := z.stepTitle(len(z.steps)+1, "ui.wizard.done.title")
	z.reason = widget.NewLabel(tr.T("ui.tunnel.connecting"))
	z.reason.Wrapping = fyne.TextWrapWord
	hint := explanation(tr.T("ui.wizard.done.waiting_hint"))
	z.toMain = widget.NewButton(tr.T("ui.wizard.done.to_main"), z.finish)
	z.back = widget.NewButton(tr.T("ui.wizard.done.change_keys"), z.showRoad)
	z.switchBox = container.NewVBox() // wizard_road.go: the one-click switch when ngrok refuses
	z.w.SetContent(container.NewBorder(container.NewVBox(title, progress(tr.T("ui.url.waiting"))),
		container.NewHBox(z.back, z.toMain), nil, nil, container.NewVScroll(container.NewVBox(z.reason, z.switchBox, hint))))
}

// showTunnel shows the tunnel's state on the last page while it waits.
func (z *wizard) showTunnel(h vm.Header) {
	if !z.waiting || z.reason == nil {
		return
	}
	text, imp := tunnelText(z.u.tr, h)
	z.reason.SetText(text)
	z.reason.Importance = imp
	z.reason.Refresh()
	z.offerSwitch(h) // wizard_road.go
}

// finish closes the wizard and shows the main window (the bridge goes on
// trying to connect).
func (z *wizard) finish() {
	if z.u.finalWizard == z {
		z.u.finalWizard = nil
	}
	if z.u.main != nil {
		z.u.main.w.Show()
		z.u.main.w.RequestFocus()
	}
	z.w.Close()
}

// showURL ends the wizard: the webhook URL, Copy, and where it goes in Mango.
func (z *wizard) showURL(url string) {
	tr := z.u.tr
	z.waiting = false
	title := z.stepTitle(len(z.steps)+1, "ui.wizard.done.title")
	text := widget.NewLabel(tr.T("ui.wizard.done.text"))
	text.Wrapping = fyne.TextWrapWord
	z.url = widget.NewEntry()
	z.url.SetText(url)
	z.url.Disable()
	z.copyBtn = widget.NewButton(tr.T("ui.action.copy"), func() {
		z.u.copyURL(url)
		z.copyBtn.SetText(tr.T("ui.action.copied"))
	})
	z.copyBtn.Importance = widget.HighImportance
	z.closeBtn = widget.NewButton(tr.T("ui.wizard.done.to_main"), z.finish)
	z.w.SetContent(container.NewVBox(title, text, container.NewBorder(nil, nil, nil, z.copyBtn, z.url),
		container.NewHBox(z.closeBtn)))
}

// firstRunURL follows the first-run wizard's last page: the tunnel's state
// while waiting, the webhook URL once known.
func (u *UI) firstRunURL(h vm.Header) {
	z := u.finalWizard
	if z == nil {
		return
	}
	if h.URL == "" {
		z.showTunnel(h)
		return
	}
	if z.waiting {
		z.showURL(h.URL)
	}
}

func (u *UI) saveStep(st vm.WizardStep, values []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return vm.SaveStep(ctx, u.keychain, u.bridge, u.redactor.Add, st, values)
}
