package ui

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/mapping"
	"mangotqm/ui/vm"
)

// Modes of a mapping row, in the order of the mode selector.
const (
	modeNone = iota
	modeParam
	modeConst
)

type mappingRow struct {
	mode  *widget.Select
	value *widget.Entry
	// fallback is the rule's constant used when none of its parameters
	// has a value (callDirection: "inbound"); kept as loaded.
	fallback string
	// enum, for a field TQM takes from a list, offers the constant in
	// plain words with TQM's value in brackets (mapping_enum.go).
	enum    *widget.Select
	choices []vm.EnumChoice
}

// mappingEditor edits which Mango parameter (or constant) fills each TQM
// field, with a live preview on the last received call.
type mappingEditor struct {
	u        *UI
	tr       Tr
	b        vm.Mappings // an EmployeeNamer too lists Mango's employees
	w        fyne.Window
	source   string // SourceZone is kept as stored
	rows     map[string]*mappingRow
	zone     *widget.Entry
	enumCase *widget.Select
	operator *widget.Select // «Id оператора»: group, employee or custom (mapping.OperatorModes)
	staff    *widget.Label  // Mango's employees, when the VPBX key is set
	preview  *widget.Label
	save     *widget.Button
	reset    *widget.Button
	loading  bool
	pending  sync.WaitGroup // preview updates (tests wait for them)
}

func newMappingEditor(u *UI, b vm.Mappings) *mappingEditor {
	tr := u.tr
	e := &mappingEditor{u: u, tr: tr, b: b, w: u.app.NewWindow(tr.T("ui.mapping.title")), rows: map[string]*mappingRow{}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	cfg, err := b.Mapping(ctx)
	cancel()
	if err != nil {
		cfg = mapping.Default()
	}
	modes := []string{tr.T("ui.mapping.mode.none"), tr.T("ui.mapping.mode.param"), tr.T("ui.mapping.mode.const")}
	e.preview = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	e.preview.Wrapping = fyne.TextWrapWord
	form := widget.NewForm()
	e.operatorChoice(form)
	for _, f := range mapping.Fields {
		// Parameter lists are long (callerNumber, caller_number, …):
		// they wrap instead of being cut off.
		value := widget.NewMultiLineEntry()
		value.Wrapping = fyne.TextWrapWord
		value.SetMinRowsVisible(3)
		r := &mappingRow{value: value, mode: widget.NewSelect(modes, func(string) { e.update() })}
		r.value.OnChanged = func(string) { e.update() }
		e.rows[f] = r
		form.Append(fieldLabel(tr, f), container.NewBorder(nil, nil, container.NewVBox(widen(r.mode)), nil, e.enumValue(f, r)))
	}
	e.zone = widget.NewEntry()
	e.zone.OnChanged = func(string) { e.update() }
	form.Append(tr.T("ui.mapping.timezone"), e.zone)
	e.enumCase = widget.NewSelect([]string{tr.T("ui.mapping.case.lower"), tr.T("ui.mapping.case.title"),
		tr.T("ui.mapping.case.asis")}, func(string) { e.update() })
	form.Append(tr.T("desk.mapping.enum_case"), container.NewHBox(widen(e.enumCase)))
	e.fill(cfg)

	e.save = widget.NewButton(tr.T("ui.action.save"), e.saveConfig)
	e.save.Importance = widget.HighImportance
	e.reset = widget.NewButton(tr.T("ui.mapping.reset"), func() {
		e.fill(mapping.Default())
		e.update()
	})
	help := widget.NewLabel(tr.T("ui.mapping.help"))
	help.Wrapping = fyne.TextWrapWord
	split := container.NewHSplit(container.NewVScroll(form),
		container.NewBorder(widget.NewLabelWithStyle(tr.T("ui.mapping.preview"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			nil, nil, nil, container.NewVScroll(e.preview)))
	split.Offset = 0.62
	e.w.SetContent(container.NewBorder(help, container.NewHBox(e.save, e.reset), nil, nil, split))
	e.w.Resize(fitScreen(fyne.NewSize(1300, 680))) // fit.go: the buttons above the taskbar
	e.update()
	return e
}

// fill shows a configuration in the form (Save stores it).
func (e *mappingEditor) fill(cfg mapping.Config) {
	e.loading = true
	defer func() { e.loading = false }()
	e.source = cfg.SourceZone
	for _, f := range mapping.Fields {
		r := e.rows[f]
		r.mode.SetSelectedIndex(modeNone)
		r.value.SetText("")
		r.fallback = ""
		for _, rule := range cfg.Rules {
			if rule.Field != f {
				continue
			}
			if len(rule.Params) > 0 {
				r.mode.SetSelectedIndex(modeParam)
				r.value.SetText(strings.Join(rule.Params, ", "))
				r.fallback = rule.Const
			} else {
				r.mode.SetSelectedIndex(modeConst)
				r.value.SetText(rule.Const)
			}
		}
	}
	e.showOperatorMode(cfg)
	for _, r := range e.rows {
		e.showEnum(r)
	}
	e.zone.SetText(cfg.TimeZone)
	e.enumCase.SetSelectedIndex(max(slices.Index(enumCases, cfg.EnumCase), 0))
}

// enumCases are the casings in the order of their choice.
var enumCases = []string{mapping.CaseLower, mapping.CaseTitle, mapping.CaseAsIs}

// fieldLabel names a TQM field in plain words, with its API name.
func fieldLabel(tr Tr, f string) string {
	k := vm.FieldKey(f)
	if s := tr.T(k); s != k {
		return s + " (" + f + ")"
	}
	return f
}

// config reads the form.
func (e *mappingEditor) config() mapping.Config {
	c := mapping.Config{TimeZone: strings.TrimSpace(e.zone.Text), SourceZone: e.source,
		EnumCase: enumCases[max(e.enumCase.SelectedIndex(), 0)]}
	for _, f := range mapping.Fields {
		r := e.rows[f]
		v := strings.TrimSpace(r.value.Text)
		switch r.mode.SelectedIndex() {
		case modeParam:
			var ps []string
			for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' }) {
				if p = strings.TrimSpace(p); p != "" {
					ps = append(ps, p)
				}
			}
			if len(ps) > 0 {
				c.Rules = append(c.Rules, mapping.Rule{Field: f, Params: ps, Const: r.fallback})
			}
		case modeConst:
			if v != "" {
				c.Rules = append(c.Rules, mapping.Rule{Field: f, Const: v})
			}
		}
	}
	return c
}

// update recomputes the preview off the UI goroutine.
func (e *mappingEditor) update() {
	if e.loading || e.preview == nil {
		return
	}
	c := e.config()
	e.showOperatorMode(c)
	for _, r := range e.rows {
		e.showEnum(r)
	}
	e.pending.Add(1)
	go func() {
		defer e.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := e.b.Preview(ctx, c)
		text := e.tr.T("ui.mapping.preview_none")
		if err == nil {
			verr := mapping.Validate(res, mapping.ValidateOptions{Now: e.u.clk().Now(), TimeZone: c.TimeZone,
				FileLinkRequired: true})
			text = e.tr.T("ui.mapping.preview_zone", map[string]any{"Zone": c.TimeZone}) + "\n\n" +
				vm.PreviewText(res, verr, func(k string, d map[string]any) string { return e.tr.T(k, d) })
		}
		e.u.onUI(func() { e.preview.SetText(text) })
	}()
}

func (e *mappingEditor) saveConfig() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.b.SetMapping(ctx, e.config()); err != nil {
		if p := vm.ConfigProblems(err); len(p) == 1 && p[0].FieldKey != "" {
			e.u.showConfigProblems(e.w, "desk.mapping.problems", p) // «Часовой пояс: …», the detail under «Подробнее»
			return
		}
		e.u.showError(e.w, "ui.error.mapping", err)
		return
	}
	e.w.Close()
}
