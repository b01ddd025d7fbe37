package ui

// Constants of fields TQM takes from a list (direction, who hung up, the
// operator's channel) are chosen by name — «Клиент (client)» — instead of
// typed as bare constants.

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"mangotqm/ui/vm"
)

// enumValue is the row's value widget: the entry, and for a list field a
// choice shown in its place while the row is a constant.
func (e *mappingEditor) enumValue(field string, r *mappingRow) fyne.CanvasObject {
	r.choices = vm.EnumChoices(field)
	if len(r.choices) == 0 {
		return r.value
	}
	tr := func(k string) string { return e.tr.T(k) }
	labels := make([]string, len(r.choices))
	for i, c := range r.choices {
		labels[i] = vm.EnumLabel(c, tr)
	}
	r.enum = widget.NewSelect(labels, func(string) {
		if i := r.enum.SelectedIndex(); i >= 0 && !e.loading {
			r.value.SetText(r.choices[i].Value) // the entry keeps the value: config reads it
		}
	})
	r.enum.Hide()
	hint := widget.NewLabel(e.tr.T("desk.mapping.enum_hint", map[string]any{"List": strings.Join(labels, ", ")}))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	return container.NewVBox(container.NewStack(r.value, container.NewVBox(r.enum)), hint)
}

// showEnum shows the choice instead of the entry while a list field is a
// constant TQM knows (a value typed by hand stays in the entry).
func (e *mappingEditor) showEnum(r *mappingRow) {
	if r.enum == nil {
		return
	}
	v := strings.TrimSpace(r.value.Text)
	i := -1
	for j, c := range r.choices {
		if strings.EqualFold(c.Value, v) {
			i = j
		}
	}
	if r.mode.SelectedIndex() != modeConst || (i < 0 && v != "") {
		r.enum.Hide()
		r.value.Show()
		return
	}
	if i != r.enum.SelectedIndex() && i >= 0 {
		was := e.loading
		e.loading = true
		r.enum.SetSelectedIndex(i)
		e.loading = was
	}
	r.value.Hide()
	r.enum.Show()
}
