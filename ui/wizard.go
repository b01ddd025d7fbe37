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
)

// wizardStep asks for one secret (or, for Mango's API connector, the two
// values shown side by side on the same page) and says where to find it.
type wizardStep struct {
	titleKey string
	helpKey  string // where to find it, step by step
	fields   []wizardField
}

type wizardField struct {
	labelKey string
	secret   secrets.Name // "" for a plain setting
	get      func(config.Config) string
	set      func(*config.Config, string)
	// normalize tidies what the user typed before the check (nil = trim).
	normalize func(string) string
	// check is a format check only: none of the services offers a check we
	// could call without going online (and a wrong key is reported plainly
	// at the first delivery / tunnel start anyway).
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
		{titleKey: "ui.wizard.tqm.title", helpKey: "ui.wizard.tqm.help", fields: []wizardField{
			{labelKey: "ui.wizard.tqm.key", secret: secrets.TQMKey, check: reKey.MatchString, badKey: "ui.wizard.bad.key"},
		}},
		{titleKey: "ui.wizard.ngrok.title", helpKey: "ui.wizard.ngrok.help", fields: []wizardField{
			{labelKey: "ui.wizard.ngrok.token", secret: secrets.NgrokAuthtoken, check: reToken.MatchString, badKey: "ui.wizard.bad.ngrok_token"},
		}},
		{titleKey: "ui.wizard.domain.title", helpKey: "ui.wizard.domain.help", fields: []wizardField{
			{labelKey: "ui.wizard.ngrok.domain",
				get:       func(c config.Config) string { return c.NgrokDomain },
				set:       func(c *config.Config, v string) { c.NgrokDomain = config.NormalizeDomain(v) },
				normalize: config.NormalizeDomain,
				check:     reDomain.MatchString, badKey: "ui.wizard.bad.domain"},
		}},
		{titleKey: "ui.wizard.mango.title", helpKey: "ui.wizard.mango.help", fields: []wizardField{
			{labelKey: "ui.wizard.mango.vpbx_key", secret: secrets.MangoVPBXKey, check: reVPBX.MatchString, badKey: "ui.wizard.bad.vpbx_key", optional: true},
			{labelKey: "ui.wizard.mango.vpbx_salt", secret: secrets.MangoVPBXSalt, check: reSalt.MatchString, badKey: "ui.wizard.bad.vpbx_salt", optional: true},
		}},
		{titleKey: "ui.wizard.ct.title", helpKey: "ui.wizard.ct.help", fields: []wizardField{
			{labelKey: "ui.wizard.mango.ct_token", secret: secrets.MangoCTToken, check: reKey.MatchString, badKey: "ui.wizard.bad.key", optional: true},
		}},
	}
}

// wizard walks a first-time user through the secrets, one step at a time;
// values go straight to the OS keychain. After the last step it waits for
// the bridge to come up and ends by showing the webhook URL with Copy and
// the exact place in Mango to paste it.
type wizard struct {
	u      *UI
	w      fyne.Window
	steps  []wizardStep
	i      int
	onDone func() // after the last step is saved

	title, help, status *widget.Label
	entries             []*widget.Entry
	next, back          *widget.Button
	url                 *widget.Entry
	copyBtn             *widget.Button
	pending             sync.WaitGroup // keychain writes (tests wait for them)
}

func newWizard(u *UI, w fyne.Window, onDone func()) *wizard {
	z := &wizard{u: u, w: w, steps: wizardSteps(), onDone: onDone}
	w.Resize(fyne.NewSize(720, 520))
	z.show(0)
	return z
}

// showWizard starts the wizard in w: on first run it then starts the
// bridge; when keys are changed later it asks for a restart.
func (u *UI) showWizard(w fyne.Window) {
	var z *wizard
	z = newWizard(u, w, func() {
		if u.main != nil {
			w.Close()
			go u.bridge.ReloadSecrets(context.Background())
			dialog.ShowInformation(u.tr.T("ui.settings.title"), u.tr.T("ui.settings.keys_applied"), u.main.w)
			return
		}
		u.finalWizard = z
		z.waitForURL()
		u.startBridge()
	})
}

func (z *wizard) show(i int) {
	tr := z.u.tr
	z.i = i
	st := z.steps[i]
	z.title = widget.NewLabelWithStyle(tr.T("ui.wizard.step", map[string]any{"N": i + 1, "Of": len(z.steps) + 1})+" — "+
		tr.T(st.titleKey), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	z.help = widget.NewLabel(tr.T(st.helpKey))
	z.help.Wrapping = fyne.TextWrapWord
	note := widget.NewLabel(tr.T("ui.wizard.format_only"))
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
			e.SetPlaceHolder(tr.T("ui.wizard.placeholder_secret"))
		}
		z.entries[j] = e
		form.Append(tr.T(f.labelKey), e)
	}
	z.next = widget.NewButton(tr.T("ui.wizard.next"), z.submit)
	z.next.Importance = widget.HighImportance
	buttons := container.NewHBox(z.next)
	z.back = widget.NewButton(tr.T("ui.wizard.back"), func() { z.show(z.i - 1) })
	if i > 0 {
		buttons.Objects = append([]fyne.CanvasObject{z.back}, buttons.Objects...)
	}
	z.w.SetContent(container.NewBorder(container.NewVBox(z.title, z.help), container.NewVBox(note, z.status, buttons),
		nil, nil, container.NewVScroll(form)))
}

func (z *wizard) fail(key string, data map[string]any) {
	z.status.SetText(z.u.tr.T(key, data))
	z.status.Importance = widget.DangerImportance
	z.status.Refresh()
}

var errRequired = errors.New("required")

// submit checks the formats, then (off the UI goroutine: the keychain may
// be slow or ask the user to unlock it) stores the values and moves on.
func (z *wizard) submit() {
	st := z.steps[z.i]
	values := make([]string, len(z.entries))
	for j, e := range z.entries {
		values[j] = strings.TrimSpace(e.Text)
		if f := st.fields[j]; f.normalize != nil {
			values[j] = f.normalize(values[j])
		}
		if f := st.fields[j]; values[j] != "" && !f.check(values[j]) {
			z.fail(f.badKey, nil)
			return
		}
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
			case step+1 < len(z.steps):
				z.show(step + 1)
			default:
				z.onDone()
			}
		})
	}()
}

// waitForURL is the wizard's last page until the bridge has its URL.
func (z *wizard) waitForURL() {
	tr := z.u.tr
	title := widget.NewLabelWithStyle(tr.T("ui.wizard.step", map[string]any{"N": len(z.steps) + 1, "Of": len(z.steps) + 1})+
		" — "+tr.T("ui.wizard.done.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	z.w.SetContent(container.NewVBox(title, progress(tr.T("ui.url.waiting"))))
}

// showURL ends the wizard: the webhook URL, Copy, and where it goes in Mango.
func (z *wizard) showURL(url string) {
	tr := z.u.tr
	title := widget.NewLabelWithStyle(tr.T("ui.wizard.step", map[string]any{"N": len(z.steps) + 1, "Of": len(z.steps) + 1})+
		" — "+tr.T("ui.wizard.done.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
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
	closeBtn := widget.NewButton(tr.T("ui.wizard.close"), z.w.Close)
	z.w.SetContent(container.NewVBox(title, text, container.NewBorder(nil, nil, nil, z.copyBtn, z.url),
		container.NewHBox(closeBtn)))
}

// firstRunURL ends the first-run wizard once the webhook URL is known.
func (u *UI) firstRunURL(url string) {
	if u.finalWizard == nil || url == "" {
		return
	}
	u.finalWizard.showURL(url)
	u.finalWizard = nil
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
