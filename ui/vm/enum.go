package vm

import "mangotqm/app/mapping"

// EnumChoice is one value TQM accepts for a field: its plain words'
// key and TQM's own spelling, shown in brackets: «Клиент (client)».
type EnumChoice struct {
	Key   string // i18n key of the plain words
	Value string // TQM's value
}

// EnumChoices are the values TQM accepts for field (nil for free text).
func EnumChoices(field string) []EnumChoice {
	var out []EnumChoice
	for _, v := range mapping.EnumValues(field) {
		out = append(out, EnumChoice{Key: "desk.enum." + field + "." + v, Value: v})
	}
	return out
}

// EnumLabel is a choice in plain words with TQM's value in brackets.
func EnumLabel(c EnumChoice, t Translate) string { return t.or(c.Key) + " (" + c.Value + ")" }

// EnumIndex is the choice whose value is v (-1 when none).
func EnumIndex(cs []EnumChoice, v string) int {
	for i, c := range cs {
		if c.Value == v {
			return i
		}
	}
	return -1
}
