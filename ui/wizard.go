package ui

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
)

// wizardStep asks for one secret (or, for Mango's API connector, the two
// values shown side by side on the same page) and says where to find it.
type wizardStep struct {
	titleKey string
	helpKey  string // where to find it, step by step
	noteKey  string // how the values are checked (what the wizard can and cannot tell)
	// lossKey, on an optional step, says what the user loses by skipping it.
	lossKey string
	// checkVPBX: the step offers one live check of Mango's VPBX code and key.
	checkVPBX bool
	fields    []wizardField
}

func (s wizardStep) optional() bool { return s.lossKey != "" }

type wizardField struct {
	labelKey string
	secret   secrets.Name // "" for a plain setting
	get      func(config.Config) string
	set      func(*config.Config, string)
	// normalize tidies what the user typed before the check (nil = trim).
	normalize func(string) string
	// check is a format check; the live checks are the step's.
	check    func(string) bool
	badKey   string
	optional bool
}

func (f wizardField) plain() bool { return f.secret == "" }

var (
	reToken  = regexp.MustCompile(`^[A-Za-z0-9_\-]{20,200}$`)
	reVPBX   = regexp.MustCompile(`^[A-Za-z0-9]{16,64}$`)
	reSalt   = regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)
	reKey    = regexp.MustCompile(`^\S{8,512}$`)
	reDomain = regexp.MustCompile(`^(https://)?[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)+/?$`)
)

func wizardSteps() []wizardStep {
	return []wizardStep{
		{titleKey: "ui.wizard.tqm.title", helpKey: "ui.wizard.tqm.help", noteKey: "ui.wizard.tqm.check_note", fields: []wizardField{
			{labelKey: "ui.wizard.tqm.key", secret: secrets.TQMKey, check: reKey.MatchString, badKey: "ui.wizard.bad.key"},
		}},
		{titleKey: "ui.wizard.mango.title", helpKey: "ui.wizard.mango.help", noteKey: "ui.wizard.vpbx.note",
			lossKey: "ui.wizard.skip_loss.vpbx", checkVPBX: true, fields: []wizardField{
				{labelKey: "ui.wizard.mango.vpbx_key", secret: secrets.MangoVPBXKey, check: reVPBX.MatchString, badKey: "ui.wizard.bad.vpbx_key", optional: true},
				{labelKey: "ui.wizard.mango.vpbx_salt", secret: secrets.MangoVPBXSalt, check: reSalt.MatchString, badKey: "ui.wizard.bad.vpbx_salt", optional: true},
			}},
		{titleKey: "ui.wizard.ngrok.title", helpKey: "ui.wizard.ngrok.help", noteKey: "ui.wizard.ngrok.check_note", fields: []wizardField{
			{labelKey: "ui.wizard.ngrok.token", secret: secrets.NgrokAuthtoken, check: reToken.MatchString, badKey: "ui.wizard.bad.ngrok_token"},
		}},
		{titleKey: "ui.wizard.domain.title", helpKey: "ui.wizard.domain.help", noteKey: "ui.wizard.ngrok.check_note", fields: []wizardField{
			{labelKey: "ui.wizard.ngrok.domain",
				get:       func(c config.Config) string { return c.NgrokDomain },
				set:       func(c *config.Config, v string) { c.NgrokDomain = config.NormalizeDomain(v) },
				normalize: config.NormalizeDomain,
				check:     reDomain.MatchString, badKey: "ui.wizard.bad.domain"},
		}},
		{titleKey: "ui.wizard.ct.title", helpKey: "ui.wizard.ct.help", noteKey: "ui.wizard.format_only",
			lossKey: "ui.wizard.skip_loss.ct", fields: []wizardField{
				{labelKey: "ui.wizard.mango.ct_token", secret: secrets.MangoCTToken, check: reKey.MatchString, badKey: "ui.wizard.bad.key", optional: true},
			}},
	}
}

// wizard walks a first-time user through the secrets, one step at a time,
// after an intro page that says what is needed; values go straight to the
// OS keychain. After the last step it waits for the bridge to come up —
// showing the tunnel's state and its reason — and ends by showing the
// webhook URL with Copy and the exact place in Mango to paste it.
type wizard struct {
	u        *UI
	w        fyne.Window
	steps    []wizardStep
	i        int    // the step shown (intro: 0 with intro set)
	intro    bool   // the intro page is shown
	hasIntro bool   // the wizard began with the intro (first run)
	onDone   func() // after the last step is saved

	title, help, status *widget.Label
	entries             []*widget.Entry
	next, back, skip    *widget.Button
	start               *widget.Button // the intro's
	lang                *widget.Select // the intro's language choice
	checkBtn            *widget.Button // the VPBX step's live check
	checkResult         *widget.Label
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

	road roadPage // wizard_road.go
	// switchBox holds the last page's one-click switch of road.
	switchBox *fyne.Container
}

// newWizard shows the wizard in w, from its intro page when intro is set.
func newWizard(u *UI, w fyne.Window, intro bool, onDone func()) *wizard {
	z := &wizard{u: u, w: w, steps: wizardSteps(), onDone: onDone, stored: map[secrets.Name]bool{}}
	z.vpbx = &vm.VPBXCheck{Check: u.bridge.VPBXChecker()}
	w.Resize(fyne.NewSize(760, 560))
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
// and then starts the bridge; when keys are changed later they apply at
// once.
func (u *UI) showWizard(w fyne.Window) {
	var z *wizard
	firstRun := u.main == nil
	z = newWizard(u, w, firstRun, func() {
		switch {
		case !firstRun:
			w.Close()
			go u.bridge.ReloadSecrets(context.Background())
			dialog.ShowInformation(u.tr.T("ui.settings.title"), u.tr.T("ui.settings.keys_applied"), u.main.w)
		case u.main != nil:
			// Back from the last page with new keys: the bridge runs
			// already and takes them now.
			u.finalWizard = z
			z.waitForURL()
			go u.bridge.ReloadSecrets(context.Background())
		default:
			u.finalWizard = z
			z.waitForURL()
			u.startBridge()
		}
	})
}

// loadStored learns which secrets are kept already (off the UI goroutine:
// the keychain may be slow), to say so in the fields' placeholders.
func (z *wizard) loadStored() {
	z.pending.Add(1)
	go func() {
		defer z.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stored := map[secrets.Name]bool{}
		for _, st := range z.steps {
			for _, f := range st.fields {
				if !f.plain() {
					_, err := z.u.keychain.Get(ctx, f.secret)
					stored[f.secret] = err == nil
				}
			}
		}
		z.u.onUI(func() {
			z.stored = stored
			z.placeholders()
		})
	}()
}

// placeholders: a fresh install asks to paste the value; a stored one may
// be kept by leaving the field empty.
func (z *wizard) placeholders() {
	if z.intro || z.waiting || z.i >= len(z.steps) {
		return
	}
	for j, f := range z.steps[z.i].fields {
		if f.plain() || j >= len(z.entries) {
			continue
		}
		key := "ui.wizard.placeholder_new"
		if z.stored[f.secret] {
			key = "ui.wizard.placeholder_secret"
		}
		z.entries[j].SetPlaceHolder(z.u.tr.T(key))
	}
}

func (z *wizard) stepTitle(n int, key string) *widget.Label {
	tr := z.u.tr
	return widget.NewLabelWithStyle(tr.T("ui.wizard.step", map[string]any{"N": n, "Of": len(z.steps) + 1})+" — "+
		tr.T(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
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
	z.i, z.intro, z.waiting = i, false, false
	st := z.steps[i]
	z.title = z.stepTitle(i+1, st.titleKey)
	z.help = widget.NewLabel(tr.T(st.helpKey))
	z.help.Wrapping = fyne.TextWrapWord
	note := widget.NewLabel(tr.T(st.noteKey))
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	z.status = widget.NewLabel("")
	z.status.Wrapping = fyne.TextWrapWord
	form := widget.NewForm()
	z.entries = make([]*widget.Entry, len(st.fields))
	for j, f := range st.fields {
		var e *widget.Entry
		if f.plain() {
			e = widget.NewEntry()
			e.SetText(f.get(z.u.bridge.Config()))
		} else {
			// A password entry: the value is never shown in clear, and a
			// stored one is never read back into the window.
			e = widget.NewPasswordEntry()
		}
		z.entries[j] = e
		form.Append(tr.T(f.labelKey), e)
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
	if !z.hasIntro && i == 0 {
		buttons.Remove(z.back) // changing keys later: there is no intro to go back to
	}
	body := container.NewVBox(form)
	z.skip, z.checkBtn, z.checkResult = nil, nil, nil
	if st.optional() {
		loss := widget.NewLabel(tr.T(st.lossKey))
		loss.Wrapping = fyne.TextWrapWord
		loss.Importance = widget.WarningImportance
		body.Add(loss)
		z.skip = widget.NewButton(tr.T("ui.wizard.skip"), z.skipStep)
		buttons.Add(z.skip)
	}
	if st.checkVPBX {
		z.checkBtn = widget.NewButton(tr.T("ui.wizard.vpbx.check"), z.checkVPBX)
		z.checkResult = widget.NewLabel("")
		z.checkResult.Wrapping = fyne.TextWrapWord
		body.Add(container.NewHBox(z.checkBtn))
		body.Add(z.checkResult)
		if until := z.vpbx.Wait(); !until.IsZero() {
			z.checkBtn.Disable()
			z.checkResult.SetText(tr.T("ui.wizard.vpbx.wait", map[string]any{"Until": until.Local().Format("15:04")}))
		}
	}
	z.w.SetContent(container.NewBorder(container.NewVBox(z.title, z.help), container.NewVBox(note, z.status, buttons),
		nil, nil, container.NewVScroll(body)))
}

func (z *wizard) fail(key string, data map[string]any) {
	z.status.SetText(z.u.tr.T(key, data))
	z.status.Importance = widget.DangerImportance
	z.status.Refresh()
}

var errRequired = errors.New("required")

// values reads the step's fields, tidied; the bad-format key if one is off.
func (z *wizard) values() ([]string, string) {
	st := z.steps[z.i]
	values := make([]string, len(z.entries))
	for j, e := range z.entries {
		values[j] = strings.TrimSpace(e.Text)
		if f := st.fields[j]; f.normalize != nil {
			values[j] = f.normalize(values[j])
		}
		if f := st.fields[j]; values[j] != "" && !f.check(values[j]) {
			return nil, f.badKey
		}
	}
	return values, ""
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
	z.status.SetText(z.u.tr.T("ui.wizard.saving"))
	z.status.Importance = widget.MediumImportance
	z.status.Refresh()
	step := z.i
	z.pending.Add(1)
	go func() {
		defer z.pending.Done()
		err := z.u.saveStep(st, values)
		z.u.onUI(func() {
			z.next.Enable()
			switch {
			case errors.Is(err, errRequired):
				z.fail("ui.wizard.required", nil)
			case errors.Is(err, secrets.ErrUnavailable):
				z.w.SetContent(keychainProblem(z.u.tr, err))
			case err != nil:
				z.fail("ui.wizard.save_failed", map[string]any{"Error": err.Error()})
			default:
				for j, f := range st.fields {
					if !f.plain() && values[j] != "" {
						z.stored[f.secret] = true
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
// minutes, with the values typed (nothing is stored by the check).
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
	btn, result := z.checkBtn, z.checkResult
	btn.Disable()
	result.SetText(z.u.tr.T("ui.wizard.vpbx.checking"))
	result.Importance = widget.MediumImportance
	result.Refresh()
	z.pending.Add(1)
	go func() {
		defer z.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := z.vpbx.Run(ctx, values[0], values[1])
		z.u.onUI(func() {
			result.SetText(z.u.tr.T(r.Key, r.Data))
			switch {
			case r.OK:
				result.Importance = widget.SuccessImportance
			case r.Wrong:
				result.Importance = widget.DangerImportance
			default:
				result.Importance = widget.WarningImportance
			}
			result.Refresh()
			if r.Until.IsZero() {
				btn.Enable()
			}
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
	hint := widget.NewLabel(tr.T("ui.wizard.done.waiting_hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
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

func (u *UI) saveStep(st wizardStep, values []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for j, f := range st.fields {
		v := values[j]
		if v == "" {
			if f.optional {
				continue
			}
			if f.plain() {
				return errRequired
			}
			if _, err := u.keychain.Get(ctx, f.secret); err != nil {
				if errors.Is(err, secrets.ErrNotFound) {
					return errRequired
				}
				return err
			}
			continue // keep the stored value
		}
		if f.plain() {
			cfg := u.bridge.Config()
			f.set(&cfg, v)
			if err := u.bridge.SetConfig(ctx, cfg); err != nil {
				return err
			}
			continue
		}
		if err := u.keychain.Set(ctx, f.secret, v); err != nil {
			return err
		}
		u.redactor.Add(v)
	}
	return nil
}
