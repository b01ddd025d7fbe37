package vm

import (
	"context"
	"sort"
	"strings"
)

// EmployeeNamer names employees by extension from Mango's users list
// (*bridge.Bridge); a Backend that is one shows names beside extensions.
type EmployeeNamer interface {
	EmployeeNames(ctx context.Context) map[string]string
}

// WithEmployeeName shows an operator that is an employee's extension with
// the employee's name: «101 · Иванов Иван»; anything else as it is.
func WithEmployeeName(operator string, names map[string]string) string {
	if name, ok := names[strings.TrimSpace(operator)]; ok && name != "" {
		return operator + " · " + name
	}
	return operator
}

// EmployeeList is Mango's employees as «101 — Иванов Иван», by extension.
func EmployeeList(names map[string]string) []string {
	exts := make([]string, 0, len(names))
	for e := range names {
		exts = append(exts, e)
	}
	sort.Slice(exts, func(i, j int) bool {
		if len(exts[i]) != len(exts[j]) {
			return len(exts[i]) < len(exts[j])
		}
		return exts[i] < exts[j]
	})
	out := make([]string, len(exts))
	for i, e := range exts {
		out[i] = e + " — " + names[e]
	}
	return out
}
