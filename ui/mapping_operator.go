package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/mapping"
	"mangotqm/ui/vm"
)

// operatorModes are the «Id оператора» choices in the order of the select.
var operatorModes = []string{mapping.OperatorGroup, mapping.OperatorEmployee, mapping.OperatorCustom}

// operatorChoice adds «Id оператора» (the last group, as in Albato, or the
// employee who answered) with Mango's employees' names to the form.
func (e *mappingEditor) operatorChoice(form *widget.Form) {
	labels := make([]string, len(operatorModes))
	for i, m := range operatorModes {
		labels[i] = e.tr.T("ui.mapping.operator." + m)
	}
	e.operator = widget.NewSelect(labels, func(string) {
		if e.loading {
			return
		}
		i := e.operator.SelectedIndex()
		if i < 0 || operatorModes[i] == mapping.OperatorCustom {
			return
		}
		r := e.rows[mapping.FieldOperatorID]
		e.loading = true
		r.mode.SetSelectedIndex(modeParam)
		r.value.SetText(strings.Join(mapping.OperatorParams(operatorModes[i]), ", "))
		r.fallback = ""
		e.loading = false
		e.update()
	})
	e.staff = widget.NewLabel(e.tr.T("ui.mapping.staff_none"))
	e.staff.Wrapping = fyne.TextWrapWord
	e.staff.Importance = widget.LowImportance
	form.Append(e.tr.T("ui.mapping.operator"), container.NewVBox(widen(e.operator), e.staff))
	if en, ok := e.b.(vm.EmployeeNamer); ok {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			list := vm.EmployeeList(en.EmployeeNames(ctx))
			if len(list) == 0 {
				return
			}
			text := e.tr.T("ui.mapping.staff", map[string]any{"List": strings.Join(list, ", ")})
			e.u.onUI(func() { e.staff.SetText(text) })
		}()
	}
}

// showOperatorMode selects the choice c's operatorId rule is.
func (e *mappingEditor) showOperatorMode(c mapping.Config) {
	if e.operator == nil {
		return
	}
	i := slices.Index(operatorModes, mapping.OperatorMode(c))
	if i >= 0 && i != e.operator.SelectedIndex() {
		was := e.loading
		e.loading = true
		e.operator.SetSelectedIndex(i)
		e.loading = was
	}
}
