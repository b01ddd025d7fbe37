package vm

import (
	"regexp"
	"strings"

	"mangotqm/app/calls"
	"mangotqm/app/mapping"
)

// TranslateData renders an i18n key with template data.
type TranslateData func(key string, data map[string]any) string

// FieldKey is the i18n key of a TQM field's plain name.
func FieldKey(field string) string { return "ui.field." + field }

// problemPatterns read the English notes of requests stored before the
// mapping reported codes (mapping.Result.NoteReasons) back into i18n keys.
// Each pattern's groups fill Field, Value and N in that order.
var problemPatterns = []struct {
	re   *regexp.Regexp
	key  string
	vars []string
}{
	{regexp.MustCompile(`^(\w+) is missing$`), "ui.preview.missing", []string{"Field"}},
	{regexp.MustCompile(`^(\w+) is longer than (\d+) characters$`), "ui.preview.too_long", []string{"Field", "N"}},
	{regexp.MustCompile(`^(\w+) "(.*)" is not one of (.+)$`), "ui.preview.not_allowed", []string{"Field", "Value", "Allowed"}},
	{regexp.MustCompile(`^fileLink is not an http\(s\) link$`), "ui.preview.bad_link", nil},
	{regexp.MustCompile(`^(\w+) "(.*)" is not a date$`), "ui.preview.not_date", []string{"Field", "Value"}},
	{regexp.MustCompile(`^(\w+) (\S+) is in the future`), "ui.preview.future", []string{"Field", "Value"}},
	{regexp.MustCompile(`^endDate is before startDate$`), "ui.preview.end_before_start", nil},
	{regexp.MustCompile(`^unknown time zone "(.*)"$`), "ui.preview.bad_zone", []string{"Value"}},
	{regexp.MustCompile(`^call id "(.*)" is longer than (\d+) characters; sent as "(.*)"$`), "ui.preview.short_id", []string{"Value", "N", "Field"}},
	{regexp.MustCompile(`^(\w+): (.+)$`), "ui.preview.date_unreadable", []string{"Field", "Value"}},
}

// explainProblem renders one English problem sentence in the user's
// language (as is when it is not known).
func explainProblem(p string, t TranslateData) string {
	p = strings.TrimSpace(p)
	for _, pp := range problemPatterns {
		m := pp.re.FindStringSubmatch(p)
		if m == nil {
			continue
		}
		data := map[string]any{}
		for i, name := range pp.vars {
			v := m[i+1]
			if name == "Field" && pp.key != "ui.preview.short_id" {
				v = fieldName(v, t)
			}
			data[name] = v
		}
		return t(pp.key, data)
	}
	return p
}

// notes are a mapping result's notes in the user's language.
func notes(r mapping.Result, t TranslateData) []string {
	out := make([]string, 0, len(r.Notes))
	if len(r.NoteReasons) == len(r.Notes) {
		for _, n := range r.NoteReasons {
			out = append(out, ReasonText(n, t))
		}
		return out
	}
	for _, n := range r.Notes { // stored before notes had codes
		out = append(out, explainProblem(n, t))
	}
	return out
}

func fieldName(f string, t TranslateData) string {
	k := FieldKey(f)
	if s := t(k, nil); s != k {
		return "«" + s + "» (" + f + ")"
	}
	return f
}

// PreviewText is the mapping editor's preview: each TQM field with its plain
// name and value, the mapping's notes, then what would stop TQM from taking
// the call — all in the user's language. verr is mapping.Validate's result.
func PreviewText(r mapping.Result, verr error, t TranslateData) string {
	var b strings.Builder
	for _, f := range r.Fields {
		name := f.Name
		if s := t(FieldKey(f.Name), nil); s != FieldKey(f.Name) {
			name = s + " (" + f.Name + ")"
		}
		b.WriteString(name + ": " + f.Value + "\n")
	}
	for _, n := range notes(r, t) {
		b.WriteString("• " + n + "\n")
	}
	if verr != nil {
		b.WriteString("\n" + t("ui.preview.problems", nil) + "\n")
		why, _ := calls.ReasonOf(verr)
		if why.Code == calls.CodeCannotSend {
			for _, p := range why.Parts {
				b.WriteString("• " + ReasonText(p, t) + "\n")
			}
		} else {
			b.WriteString("• " + ReasonText(calls.ReasonFor(verr, calls.CodeLegacy), t) + "\n")
		}
	} else if len(r.Fields) > 0 {
		b.WriteString("\n" + t("ui.preview.ok", nil) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
