package vm

// One way to type a date in every field of the window: ГГГГ-ММ-ДД or
// ДД.ММ.ГГГГ, with or without a time (ЧЧ:ММ or ЧЧ:ММ:СС).

import (
	"errors"
	"strings"
	"time"
)

// DateRule is the rule a typed date broke.
type DateRule string

// Date rules.
const (
	DateFormat DateRule = "format" // not a date in either form
	DateFuture DateRule = "future" // after now
	DateOrder  DateRule = "order"  // «с» not before «по»
)

// DateError says which field broke which rule.
type DateError struct {
	Field string // "from", "to" or "since"
	Rule  DateRule
	Text  string // what was typed
}

func (e *DateError) Error() string { return "date " + e.Field + " " + string(e.Rule) + ": " + e.Text }

// Is lets errors.Is(err, ErrBackfillDates / ErrBadDate) keep working.
func (e *DateError) Is(target error) bool { return target == ErrBackfillDates || target == ErrBadDate }

// Key is the i18n key of the message that names the rule.
func (e *DateError) Key() string { return "desk.date." + string(e.Rule) }

// Data fills the message: the field's label key and what was typed.
func (e *DateError) Data(t Translate) map[string]any {
	return map[string]any{"Field": t.or("desk.date.field." + e.Field), "Text": e.Text}
}

var dateLayouts = []string{"2006-01-02", "2.1.2006"}
var timeLayouts = []string{"", " 15:04", " 15:04:05", "T15:04", "T15:04:05"}

// ParseDate reads a typed moment in loc; dateOnly says no time was typed
// (a date alone as an end of a period includes that day).
func ParseDate(s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	s = strings.Join(strings.Fields(s), " ")
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	for _, d := range dateLayouts {
		for _, tl := range timeLayouts {
			if t, err := time.ParseInLocation(d+tl, s, loc); err == nil {
				return t, tl == "", nil
			}
		}
	}
	return time.Time{}, false, errors.New("not a date")
}
