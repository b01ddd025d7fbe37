package mapping

import (
	"slices"

	"mangotqm/app/mango"
)

// What fills TQM's operator id («Id оператора»): a choice of the mapping
// editor, kept as the operatorId rule's parameter list (the mapping stays
// data).
const (
	// OperatorGroup: Mango's "last group" (the Albato bundle's, the
	// default); a VPBX or statistics call has no group, so its employee's
	// extension is used.
	OperatorGroup = "group"
	// OperatorEmployee: the employee who answered (VPBX events and
	// statistics: the extension; for a call nobody answered, the first one
	// called); a calltracking webhook without it falls back to the group.
	OperatorEmployee = "employee"
	// OperatorCustom: a parameter list typed by hand.
	OperatorCustom = "custom"
)

// OperatorModes lists the choices of the editor, default first.
var OperatorModes = []string{OperatorGroup, OperatorEmployee}

// AliasEmployee are the parameters that name the employee who answered
// (app/mango/mangocall.Summary and app/mango/mangocall.StatsRow write "operator").
var AliasEmployee = []string{"operator", "operatorExtension", "operator_extension", "employee", "extension"}

// OperatorParams is the operatorId rule's parameter list for a mode.
func OperatorParams(mode string) []string {
	if mode == OperatorEmployee {
		out := slices.Clone(AliasEmployee)
		for _, a := range mango.AliasGroup {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		return out
	}
	return slices.Clone(mango.AliasGroup)
}

// OperatorMode tells which choice a mapping's operatorId rule is.
func OperatorMode(c Config) string {
	for _, r := range c.Rules {
		if r.Field != FieldOperatorID {
			continue
		}
		for _, m := range OperatorModes {
			if slices.Equal(r.Params, OperatorParams(m)) {
				return m
			}
		}
		return OperatorCustom
	}
	return OperatorCustom
}

// WithOperator returns c with the operatorId rule set to mode's parameters.
func WithOperator(c Config, mode string) Config {
	out := c
	out.Rules = slices.Clone(c.Rules)
	for i, r := range out.Rules {
		if r.Field == FieldOperatorID {
			out.Rules[i] = Rule{Field: FieldOperatorID, Params: OperatorParams(mode)}
			return out
		}
	}
	out.Rules = append(out.Rules, Rule{Field: FieldOperatorID, Params: OperatorParams(mode)})
	return out
}
