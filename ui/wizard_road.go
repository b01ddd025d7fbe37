package ui

// The wizard's road page «Как Mango будет передавать звонки на этот
// компьютер?» (after the VPBX step, which the poll road needs), the same
// form in Settings → «Подключение», and the one-click switch offered when
// ngrok refuses (ERR_NGROK_9040, 727, 22001).

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/ui/vm"
)

// roadChecker is a runner that can check a road live (*bridge.Bridge).
type roadChecker interface {
	CheckOwnAddress(ctx context.Context, listen, publicURL string) error
	CheckPoll(ctx context.Context) error
}

// pollChoices are the poll intervals offered (30 s is Mango-safe and the
// minimum; 1 min is the default).
var pollChoices = []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}

// roadForm is the road choice with its fields, its live check and its
// status; the wizard's page and the Settings tab both show one.
type roadForm struct {
	u          *UI
	vpbxStored bool
	choices    []vm.RoadChoice
	radios     []*widget.RadioGroup // one per road, so that each has its sentence under it
	selected   config.RoadKind
	listen     *widget.Entry
	publicURL  *widget.Entry
	allow      *widget.Check
	every      *widget.Select
	own, poll  *fyne.Container
	whyNot     *widget.Label
	checkBtn   *widget.Button
	result     *widget.Label
	pending    *syncGroup
	// ngrokNote is said when ngrok is chosen: the wizard checks it on its
	// last step, Settings right after saving.
	ngrokNote string
}

// syncGroup counts background work (tests wait for it).
type syncGroup struct{ add, done func() }

// roadPage is the wizard's road page state.
type roadPage struct {
	shown bool
	form  *roadForm
}

func everyLabel(tr Tr, d time.Duration) string {
	key, data := vm.EveryKey(d)
	return tr.T(key, data)
}

// newRoadForm builds the form for the saved road.
func newRoadForm(u *UI, vpbxStored bool, pending *syncGroup) *roadForm {
	tr := u.tr
	f := &roadForm{u: u, vpbxStored: vpbxStored, choices: vm.RoadChoices(vpbxStored), pending: pending,
		ngrokNote: "road.check.ngrok_note"}
	c := u.bridge.Config()
	titles := make([]string, len(f.choices))
	for i, ch := range f.choices {
		titles[i] = tr.T(ch.TitleKey)
	}
	f.listen = widget.NewEntry()
	f.listen.SetText(c.Road.Listen)
	f.publicURL = widget.NewEntry()
	f.publicURL.SetPlaceHolder(tr.T("road.own.public_url_hint"))
	f.publicURL.SetText(c.Road.PublicURL)
	f.allow = widget.NewCheck(tr.T("road.own.allow"), nil)
	f.allow.SetChecked(c.Road.AllowMangoOnly)
	allowNote := explanation(tr.T("road.own.allow_note"))
	f.own = container.NewVBox(widget.NewForm(
		widget.NewFormItem(tr.T("road.own.listen"), f.listen),
		widget.NewFormItem(tr.T("road.own.public_url"), f.publicURL)), f.allow, allowNote)
	labels := make([]string, len(pollChoices))
	sel := 1
	for i, d := range pollChoices {
		labels[i] = everyLabel(tr, d)
		if d == time.Duration(c.Road.PollEvery) {
			sel = i
		}
	}
	f.every = widget.NewSelect(labels, nil)
	f.every.SetSelectedIndex(sel)
	f.poll = container.NewVBox(widget.NewForm(widget.NewFormItem(tr.T("road.poll.every"), f.every)))
	f.whyNot = widget.NewLabel(tr.T("road.poll.why_not"))
	f.whyNot.Wrapping = fyne.TextWrapWord
	f.whyNot.Importance = widget.WarningImportance
	f.result = widget.NewLabel("")
	f.result.Wrapping = fyne.TextWrapWord
	f.checkBtn = widget.NewButton(tr.T("road.check"), f.check)
	f.selected = c.Road.Kind
	for i, ch := range f.choices {
		kind := ch.Kind
		r := widget.NewRadioGroup([]string{titles[i]}, nil)
		if kind == f.selected {
			r.SetSelected(titles[i])
		}
		r.OnChanged = func(v string) {
			if v == "" { // a tap on the selected one: it stays selected
				f.set(f.selected)
				return
			}
			f.set(kind)
		}
		f.radios = append(f.radios, r)
	}
	f.update()
	return f
}

// kind is the road selected.
func (f *roadForm) kind() config.RoadKind { return f.selected }

// set selects road k (and only it).
func (f *roadForm) set(k config.RoadKind) {
	f.selected = k
	for i, ch := range f.choices {
		want := ""
		if ch.Kind == k {
			want = f.u.tr.T(ch.TitleKey)
		}
		if f.radios[i].Selected != want {
			f.radios[i].SetSelected(want)
		}
	}
	f.update()
}

// update shows the fields of the road selected.
func (f *roadForm) update() {
	k := f.kind()
	f.own.Hidden = k != config.RoadOwn
	f.poll.Hidden = k != config.RoadPoll || !f.vpbxStored
	f.whyNot.Hidden = k != config.RoadPoll || f.vpbxStored
	f.result.SetText("")
	if k == config.RoadNgrok {
		f.result.SetText(f.u.tr.T(f.ngrokNote))
		f.result.Importance = widget.MediumImportance // the text colour: grey read below 4.5:1 (item 10)
		f.checkBtn.Disable()
	} else if k == config.RoadPoll && !f.vpbxStored {
		f.checkBtn.Disable()
	} else {
		f.checkBtn.Enable()
	}
	f.own.Refresh()
	f.poll.Refresh()
	f.whyNot.Refresh()
	f.result.Refresh()
}

// content lays the form out: each road with its sentence, then the
// selected road's fields, the check and its result.
func (f *roadForm) content() fyne.CanvasObject {
	tr := f.u.tr
	about := container.NewVBox()
	for i, ch := range f.choices {
		l := widget.NewLabel(tr.T(ch.NeedKey))
		l.Wrapping = fyne.TextWrapWord
		// The sentence sits under its road, indented like the radio's text.
		about.Add(f.radios[i])
		about.Add(container.NewBorder(nil, nil, widget.NewLabel(" "), nil, l))
	}
	return container.NewVBox(about, widget.NewSeparator(), f.own, f.poll, f.whyNot,
		container.NewHBox(f.checkBtn), f.result)
}

// road is what the form holds, as a road setting.
func (f *roadForm) road() config.Road {
	c := f.u.bridge.Config()
	r := c.Road
	r.Kind = f.kind()
	r.Listen = f.listen.Text
	r.PublicURL = f.publicURL.Text
	r.AllowMangoOnly = f.allow.Checked
	if i := f.every.SelectedIndex(); i >= 0 {
		r.PollEvery = config.Duration(pollChoices[i])
	}
	return r
}

// save validates and saves the road (applied at once by the bridge);
// errors are shown with the setting named.
func (f *roadForm) save(ctx context.Context) error {
	return vm.SaveRoad(ctx, f.u.bridge, f.road(), "", f.vpbxStored)
}

// errorText renders a save error for the status line.
func (f *roadForm) errorText(err error) string {
	if errors.Is(err, vm.ErrRoadNotAllowed) {
		return f.u.tr.T("road.error.not_allowed")
	}
	var fe *vm.RoadFieldError
	if errors.As(err, &fe) {
		return f.u.tr.T("road.error."+strings.ReplaceAll(fe.Field, "-", "_"), map[string]any{"Value": fe.Value})
	}
	return f.u.tr.T("road.error.save", map[string]any{"Error": err.Error()})
}

// check runs the live check of the road selected: the own address answers
// from outside; the poll road's one signed statistics request.
func (f *roadForm) check() {
	rc, ok := f.u.bridge.(roadChecker)
	if !ok {
		return
	}
	tr := f.u.tr
	k, r := f.kind(), f.road()
	if k == config.RoadOwn {
		if err := config.CheckPublicURL(config.NormalizePublicURL(r.PublicURL)); err != nil {
			f.show(false, f.errorText(&vm.RoadFieldError{Field: "public-url", Value: r.PublicURL, Err: err}))
			return
		}
	}
	f.checkBtn.Disable()
	f.show(true, tr.T("road.check.checking"))
	f.result.Importance = widget.MediumImportance
	f.pending.add()
	go func() {
		defer f.pending.done()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var err error
		var text string
		if k == config.RoadOwn {
			err = rc.CheckOwnAddress(ctx, r.Listen, r.PublicURL)
			text = tr.T("road.check.own_ok", map[string]any{"URL": config.NormalizePublicURL(r.PublicURL)})
			if err != nil {
				text = tr.T("road.check.own_failed", map[string]any{"Error": f.u.redactor.Redact(err.Error())})
			}
		} else {
			err = rc.CheckPoll(ctx)
			text = tr.T("road.check.poll_ok")
			if err != nil {
				text = tr.T("road.check.poll_failed", map[string]any{"Error": f.u.redactor.Redact(err.Error())})
			}
		}
		f.u.onUI(func() {
			f.checkBtn.Enable()
			f.show(err == nil, text)
		})
	}()
}

func (f *roadForm) show(ok bool, text string) {
	f.result.SetText(text)
	f.result.Importance = widget.DangerImportance
	if ok {
		f.result.Importance = widget.SuccessImportance
	}
	f.result.Refresh()
}

// stepIndex is the index of the wizard step titled key (-1 when none).
func (z *wizard) stepIndex(key string) int { return vm.StepIndex(z.steps, key) }

func (z *wizard) vpbxStored() bool {
	return z.stored[secrets.MangoVPBXKey] && z.stored[secrets.MangoVPBXSalt]
}

func (z *wizard) group() *syncGroup {
	return &syncGroup{add: func() { z.pending.Add(1) }, done: z.pending.Done}
}

// roadAfter shows the road page after the VPBX step; it reports whether
// it moved the wizard.
func (z *wizard) roadAfter(step int) bool {
	if step == z.stepIndex("ui.wizard.mango.title") {
		z.showRoad()
		return true
	}
	return false
}

// backFrom goes back from step i: the first ngrok step goes back to the
// road page.
func (z *wizard) backFrom(i int) {
	if i == z.stepIndex("ui.wizard.ngrok.title") {
		z.showRoad()
		return
	}
	z.show(i - 1)
}

// showRoad is the road page.
func (z *wizard) showRoad() {
	tr := z.u.tr
	z.intro, z.waiting = false, false
	z.road.shown = true
	z.i = z.stepIndex("ui.wizard.mango.title") // Back returns to the VPBX step
	f := newRoadForm(z.u, z.vpbxStored(), z.group())
	z.road.form = f
	title := widget.NewLabelWithStyle(tr.T("road.page.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	help := widget.NewLabel(tr.T("road.page.help"))
	help.Wrapping = fyne.TextWrapWord
	z.status = widget.NewLabel("")
	z.status.Wrapping = fyne.TextWrapWord
	z.next = widget.NewButton(tr.T("ui.wizard.next"), z.submitRoad)
	z.next.Importance = widget.HighImportance
	z.back = widget.NewButton(tr.T("ui.wizard.back"), func() { z.road.shown = false; z.show(z.i) })
	z.skip, z.checkBtn = nil, f.checkBtn
	z.w.SetContent(container.NewBorder(container.NewVBox(title, help), container.NewVBox(z.status, container.NewHBox(z.back, z.next)),
		nil, nil, container.NewVScroll(f.content())))
}

// submitRoad saves the road and goes on: the ngrok steps on ngrok, else
// the step after them.
func (z *wizard) submitRoad() {
	f := z.road.form
	z.next.Disable()
	z.pending.Add(1)
	go func() {
		defer z.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		err := f.save(ctx)
		z.u.onUI(func() {
			z.next.Enable()
			if err != nil {
				z.status.SetText(f.errorText(err))
				z.status.Importance = widget.DangerImportance
				z.status.Refresh()
				return
			}
			z.road.shown = false
			if f.kind() == config.RoadNgrok {
				z.show(z.stepIndex("ui.wizard.ngrok.title"))
				return
			}
			z.onDone() // no ngrok steps on the other roads: the last page
		})
	}()
}

// switchButtons are the one-click switches offered when ngrok refused:
// the poll road (when the VPBX keys are saved) switches at once; the own
// address opens its form (it needs the address).
func switchButtons(u *UI, vpbxStored bool, onPoll func(), onOwn func()) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, ch := range vm.SwitchChoices(vpbxStored) {
		switch ch.Kind {
		case config.RoadPoll:
			b := widget.NewButton(u.tr.T("road.switch.to_poll"), onPoll)
			b.Importance = widget.HighImportance
			out = append(out, b)
		case config.RoadOwn:
			out = append(out, widget.NewButton(u.tr.T("road.switch.to_own"), onOwn))
		}
	}
	return out
}

// offerSwitch shows the last page's switch when ngrok refused this office;
// on the poll road (no address to copy) it ends the wizard's wait.
func (z *wizard) offerSwitch(h vm.Header) {
	if h.Road.Kind == bridge.TunnelPoll && z.waiting {
		z.showPollDone(h)
		return
	}
	if z.switchBox == nil {
		return
	}
	z.switchBox.RemoveAll()
	if !vm.OfferSwitch(h.Tunnel) {
		return
	}
	z.switchBox.Add(widget.NewLabel(z.u.tr.T("road.switch.offer")))
	z.switchBox.Add(container.NewHBox(switchButtons(z.u, z.vpbxStored(), func() {
		z.pending.Add(1)
		go func() {
			defer z.pending.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			err := vm.SwitchRoad(ctx, z.u.bridge, config.RoadPoll, z.vpbxStored())
			z.u.onUI(func() {
				if err != nil {
					z.reason.SetText(z.u.tr.T("road.error.save", map[string]any{"Error": err.Error()}))
					return
				}
				z.finish()
			})
		}()
	}, z.showRoad)...))
}

// showPollDone ends the wizard on the poll road: nothing to paste into
// Mango; the road line says how often calls are fetched.
func (z *wizard) showPollDone(h vm.Header) {
	tr := z.u.tr
	z.waiting = false
	title := z.stepTitle(len(z.steps)+1, "ui.wizard.done.title")
	line := widget.NewLabel(roadLineText(tr, h.Road))
	line.Wrapping = fyne.TextWrapWord
	line.Importance = widget.SuccessImportance
	need := widget.NewLabel(tr.T("road.poll.need"))
	need.Wrapping = fyne.TextWrapWord
	z.closeBtn = widget.NewButton(tr.T("ui.wizard.done.to_main"), z.finish)
	z.closeBtn.Importance = widget.HighImportance
	z.w.SetContent(container.NewVBox(title, line, need, container.NewHBox(z.closeBtn)))
}
