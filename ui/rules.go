package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/config"
	"mangotqm/ui/vm"
)

// rulesPage is «Какие звонки отправлять в TQM»: the import rules with a
// live preview over the last day's calls.
type rulesPage struct {
	u  *UI
	b  vm.RulesBackend
	w  fyne.Window
	tr Tr

	inbound, outbound *widget.Check
	lines             *widget.RadioGroup
	lineList          *widget.Entry
	tracking          *widget.Entry
	answered          *widget.Check
	minTalk           *widget.Entry
	hoursOn           *widget.Check
	hoursFrom         *widget.Entry
	hoursTo           *widget.Entry
	hoursZone         *widget.Entry
	days              [7]*widget.Check
	utmIn, utmOut     *widget.Entry
	employees, groups *widget.Entry
	preview           *widget.Label
	problem           *widget.Label
	save              *widget.Button

	loading bool
	pending sync.WaitGroup // preview updates (tests wait for them)
	mu      sync.Mutex
	seq     int // the newest preview asked for
}

// linesModes are the lines choices in the order of the radio group.
var linesModes = []config.LinesMode{config.LinesTracking, config.LinesAll, config.LinesList}

// showRules opens the rules page over the running bridge.
func showRules(u *UI) *rulesPage {
	b, ok := u.bridge.(vm.RulesBackend)
	if !ok {
		return nil
	}
	p := newRulesPage(u, b)
	p.w.Show()
	return p
}

func newRulesPage(u *UI, b vm.RulesBackend) *rulesPage {
	tr := u.tr
	p := &rulesPage{u: u, b: b, tr: tr, w: u.app.NewWindow(tr.T("rules.title"))}
	changed := func() { p.update() }
	onText := func(string) { changed() }
	onCheck := func(bool) { changed() }
	entry := func(multi bool) *widget.Entry {
		var e *widget.Entry
		if multi {
			e = widget.NewMultiLineEntry()
			e.SetMinRowsVisible(2)
			e.Wrapping = fyne.TextWrapWord
		} else {
			e = widget.NewEntry()
		}
		e.OnChanged = onText
		return e
	}
	p.inbound = widget.NewCheck(tr.T("rules.inbound"), onCheck)
	p.outbound = widget.NewCheck(tr.T("rules.outbound"), onCheck)
	labels := make([]string, len(linesModes))
	for i, m := range linesModes {
		labels[i] = tr.T("rules.lines." + string(m))
	}
	p.lines = widget.NewRadioGroup(labels, func(string) { changed() })
	p.lineList = entry(true)
	p.lineList.SetPlaceHolder("+7 495 123-45-67")
	p.tracking = entry(true)
	p.tracking.SetPlaceHolder(tr.T("rules.tracking.placeholder"))
	p.answered = widget.NewCheck(tr.T("rules.answered"), onCheck)
	p.minTalk = entry(false)
	p.hoursOn = widget.NewCheck(tr.T("rules.hours.on"), onCheck)
	p.hoursFrom, p.hoursTo, p.hoursZone = entry(false), entry(false), entry(false)
	p.hoursZone.SetPlaceHolder(tr.T("rules.hours.zone_local", map[string]any{"Zone": time.Local.String()}))
	dayBox := container.NewHBox()
	for i := range p.days {
		p.days[i] = widget.NewCheck(tr.T("rules.day."+string(rune('1'+i))), onCheck)
		dayBox.Add(p.days[i])
	}
	p.utmIn, p.utmOut = entry(false), entry(false)
	p.employees, p.groups = entry(false), entry(false)

	note := func(key string) *widget.Label {
		l := widget.NewLabel(tr.T(key))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.LowImportance
		return l
	}
	form := widget.NewForm(
		widget.NewFormItem(tr.T("rules.field.directions"), container.NewVBox(container.NewHBox(p.inbound, p.outbound),
			note("rules.internal_never"))),
		widget.NewFormItem(tr.T("rules.field.lines"), container.NewVBox(p.lines, p.lineList)),
		widget.NewFormItem(tr.T("rules.field.tracking"), container.NewVBox(p.tracking, note("rules.tracking.help"))),
		widget.NewFormItem(tr.T("rules.field.answered"), p.answered),
		widget.NewFormItem(tr.T("rules.field.min_talk"), p.minTalk),
		widget.NewFormItem(tr.T("rules.field.hours"), container.NewVBox(p.hoursOn,
			container.NewHBox(widget.NewLabel(tr.T("rules.hours.from")), clockBox(p.hoursFrom),
				widget.NewLabel(tr.T("rules.hours.to")), clockBox(p.hoursTo)), dayBox,
			container.NewBorder(nil, nil, widget.NewLabel(tr.T("rules.hours.zone")), nil, p.hoursZone))),
		widget.NewFormItem(tr.T("rules.field.utm_include"), p.utmIn),
		widget.NewFormItem(tr.T("rules.field.utm_exclude"), container.NewVBox(p.utmOut, note("rules.utm.help"))),
		widget.NewFormItem(tr.T("rules.field.exclude_employees"), p.employees),
		widget.NewFormItem(tr.T("rules.field.exclude_groups"), p.groups),
	)
	p.preview = widget.NewLabel(tr.T("rules.preview.loading"))
	p.preview.Wrapping = fyne.TextWrapWord
	p.problem = widget.NewLabel("")
	p.problem.Wrapping = fyne.TextWrapWord
	p.problem.Importance = widget.DangerImportance
	p.problem.Hide()

	p.save = widget.NewButton(tr.T("ui.action.save"), p.saveRules)
	p.save.Importance = widget.HighImportance
	reset := widget.NewButton(tr.T("rules.reset"), func() {
		p.fill(vm.RulesFormOf(config.DefaultRules(), nil), true)
		p.update()
	})
	help := note("rules.help")
	head := widget.NewLabelWithStyle(tr.T("rules.preview.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	right := container.NewBorder(head, nil, nil, nil, container.NewVScroll(container.NewVBox(p.problem, p.preview)))
	split := container.NewHSplit(container.NewVScroll(form), right)
	split.Offset = 0.62
	p.w.SetContent(container.NewBorder(help, container.NewHBox(p.save, reset), nil, nil, split))
	p.w.Resize(fitScreen(fyne.NewSize(1280, 690)))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	nums, err := b.TrackingNumbers(ctx)
	cancel()
	if err != nil {
		u.log.Warn("calltracking numbers not readable", "err", err)
	}
	p.fill(vm.RulesFormOf(b.Config().Rules, nums), false)
	p.update()
	return p
}

// clockBox gives a time entry room for "09:00" and no more.
func clockBox(e *widget.Entry) fyne.CanvasObject {
	return container.New(layout.NewGridWrapLayout(fyne.NewSize(96, e.MinSize().Height)), e)
}

// fill shows a form; keepTracking leaves the tracking numbers as they are.
func (p *rulesPage) fill(f vm.RulesForm, keepTracking bool) {
	p.loading = true
	defer func() { p.loading = false }()
	p.inbound.SetChecked(f.Inbound)
	p.outbound.SetChecked(f.Outbound)
	for i, m := range linesModes {
		if m == f.Lines {
			p.lines.SetSelected(p.lines.Options[i])
		}
	}
	p.lineList.SetText(f.LineList)
	if !keepTracking {
		p.tracking.SetText(f.Tracking)
	}
	p.answered.SetChecked(f.AnsweredOnly)
	p.minTalk.SetText(f.MinTalk)
	p.hoursOn.SetChecked(f.HoursOn)
	p.hoursFrom.SetText(f.HoursFrom)
	p.hoursTo.SetText(f.HoursTo)
	p.hoursZone.SetText(f.HoursZone)
	for i := range p.days {
		p.days[i].SetChecked(f.Days[i])
	}
	p.utmIn.SetText(f.UTMInclude)
	p.utmOut.SetText(f.UTMExclude)
	p.employees.SetText(f.ExcludeEmployees)
	p.groups.SetText(f.ExcludeGroups)
}

// form reads the page.
func (p *rulesPage) form() vm.RulesForm {
	f := vm.RulesForm{Inbound: p.inbound.Checked, Outbound: p.outbound.Checked, LineList: p.lineList.Text,
		Tracking: p.tracking.Text, AnsweredOnly: p.answered.Checked, MinTalk: p.minTalk.Text,
		HoursOn: p.hoursOn.Checked, HoursFrom: p.hoursFrom.Text, HoursTo: p.hoursTo.Text,
		HoursZone:  p.hoursZone.Text,
		UTMInclude: p.utmIn.Text, UTMExclude: p.utmOut.Text, ExcludeEmployees: p.employees.Text,
		ExcludeGroups: p.groups.Text}
	for i, o := range p.lines.Options {
		if o == p.lines.Selected {
			f.Lines = linesModes[i]
		}
	}
	for i := range p.days {
		f.Days[i] = p.days[i].Checked
	}
	if f.Lines == config.LinesList {
		p.lineList.Enable()
	} else {
		p.lineList.Disable()
	}
	if f.HoursOn {
		p.hoursFrom.Enable()
		p.hoursTo.Enable()
		p.hoursZone.Enable()
	} else {
		p.hoursFrom.Disable()
		p.hoursTo.Disable()
		p.hoursZone.Disable()
	}
	return f
}

func (p *rulesPage) td() vm.TranslateData {
	return func(k string, d map[string]any) string { return p.tr.T(k, d) }
}

// update checks the form and recounts the preview off the UI goroutine.
func (p *rulesPage) update() {
	if p.loading || p.preview == nil {
		return
	}
	r, _, err := p.form().Parse()
	if err != nil {
		p.problem.SetText(vm.RuleErrorText(err, p.td()))
		p.problem.Show()
		return
	}
	p.problem.Hide()
	p.mu.Lock()
	p.seq++
	seq := p.seq
	p.mu.Unlock()
	p.pending.Add(1)
	go func() {
		defer p.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pv, err := p.b.RulesPreview(ctx, r)
		text := vm.RulesPreviewText(pv, r, p.td())
		if err != nil {
			text = p.tr.T("rules.preview.error", map[string]any{"Error": err.Error()})
		}
		p.u.onUI(func() {
			p.mu.Lock()
			newest := seq == p.seq
			p.mu.Unlock()
			if newest {
				p.preview.SetText(text)
			}
		})
	}()
}

// saveRules saves a valid form; bad input is refused in the user's
// language, naming the field, and nothing is saved.
func (p *rulesPage) saveRules() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := vm.SaveRules(ctx, p.b, p.form())
	var re *config.RuleError
	switch {
	case errors.As(err, &re):
		p.problem.SetText(vm.RuleErrorText(err, p.td()))
		p.problem.Show()
		msg := widget.NewLabel(vm.RuleErrorText(err, p.td()))
		msg.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustom(p.tr.T("rules.error.title"), p.tr.T("ui.wizard.close"), msg, p.w)
		d.Resize(fyne.NewSize(520, 0))
		d.Show()
	case err != nil:
		p.u.showError(p.w, "rules.error.title", err)
	default:
		p.update() // the saved tracking numbers count now
		dialog.ShowInformation(p.tr.T("rules.title"), p.tr.T("rules.saved"), p.w)
	}
}
