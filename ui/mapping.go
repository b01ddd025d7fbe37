package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/mapping"
	"mangotqm/ui/vm"
)

// showMappingEditor edits which Mango parameter (or constant) fills each TQM
// field, with a live preview on the last received call.
func showMappingEditor(a fyne.App, tr Tr, b vm.Backend) {
	w := a.NewWindow(tr.T("ui.mapping.title"))
	cfg, err := b.Mapping(context.Background())
	if err != nil {
		cfg = mapping.Default()
	}
	modes := []string{tr.T("ui.mapping.mode.none"), tr.T("ui.mapping.mode.param"), tr.T("ui.mapping.mode.const")}
	preview := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	preview.Wrapping = fyne.TextWrapWord
	type row struct {
		mode  *widget.Select
		value *widget.Entry
	}
	rows := map[string]*row{}
	form := widget.NewForm()
	var collect func() mapping.Config
	update := func() {
		c := collect()
		go func() {
			res, err := b.Preview(context.Background(), c)
			text := ""
			if err != nil {
				text = tr.T("ui.mapping.preview_none")
			} else {
				var sb strings.Builder
				for _, f := range res.Fields {
					fmt.Fprintf(&sb, "%s: %s\n", f.Name, f.Value)
				}
				for _, n := range res.Notes {
					fmt.Fprintf(&sb, "# %s\n", n)
				}
				if verr := mapping.Validate(res, mapping.ValidateOptions{Now: time.Now(), TimeZone: c.TimeZone,
					FileLinkRequired: true}); verr != nil {
					sb.WriteString("\n" + verr.Error())
				}
				text = sb.String()
			}
			fyne.Do(func() { preview.SetText(text) })
		}()
	}
	for _, f := range mapping.Fields {
		r := &row{value: widget.NewEntry()}
		r.mode = widget.NewSelect(modes, func(string) { update() })
		r.mode.SetSelectedIndex(0)
		for _, rule := range cfg.Rules {
			if rule.Field != f {
				continue
			}
			if len(rule.Params) > 0 {
				r.mode.SetSelectedIndex(1)
				r.value.SetText(strings.Join(rule.Params, ", "))
			} else {
				r.mode.SetSelectedIndex(2)
				r.value.SetText(rule.Const)
			}
		}
		r.value.OnChanged = func(string) { update() }
		rows[f] = r
		form.Append(f, container.NewBorder(nil, nil, r.mode, nil, r.value))
	}
	zone := widget.NewEntry()
	zone.SetText(cfg.TimeZone)
	zone.OnChanged = func(string) { update() }
	form.Append(tr.T("ui.mapping.timezone"), zone)
	enumCase := widget.NewSelect([]string{mapping.CaseLower, mapping.CaseTitle, mapping.CaseAsIs}, func(string) { update() })
	enumCase.SetSelected(cfg.EnumCase)
	form.Append(tr.T("ui.mapping.enum_case"), enumCase)
	collect = func() mapping.Config {
		c := mapping.Config{TimeZone: strings.TrimSpace(zone.Text), SourceZone: cfg.SourceZone, EnumCase: enumCase.Selected}
		for _, f := range mapping.Fields {
			r := rows[f]
			v := strings.TrimSpace(r.value.Text)
			switch r.mode.SelectedIndex() {
			case 1:
				var ps []string
				for _, p := range strings.Split(v, ",") {
					if p = strings.TrimSpace(p); p != "" {
						ps = append(ps, p)
					}
				}
				if len(ps) > 0 {
					c.Rules = append(c.Rules, mapping.Rule{Field: f, Params: ps})
				}
			case 2:
				if v != "" {
					c.Rules = append(c.Rules, mapping.Rule{Field: f, Const: v})
				}
			}
		}
		return c
	}
	save := widget.NewButton(tr.T("ui.action.save"), func() {
		if err := b.SetMapping(context.Background(), collect()); err != nil {
			dialog.ShowError(err, w)
			return
		}
		w.Close()
	})
	save.Importance = widget.HighImportance
	reset := widget.NewButton(tr.T("ui.mapping.reset"), func() {
		w.Close()
		_ = b.SetMapping(context.Background(), mapping.Default())
		showMappingEditor(a, tr, b)
	})
	help := widget.NewLabel(tr.T("ui.mapping.help"))
	help.Wrapping = fyne.TextWrapWord
	split := container.NewHSplit(container.NewVScroll(form),
		container.NewBorder(widget.NewLabelWithStyle(tr.T("ui.mapping.preview"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			nil, nil, nil, container.NewVScroll(preview)))
	split.Offset = 0.6
	w.SetContent(container.NewBorder(help, container.NewHBox(save, reset), nil, nil, split))
	w.Resize(fyne.NewSize(1000, 640))
	w.Show()
	update()
}
