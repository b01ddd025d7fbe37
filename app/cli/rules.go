package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"mangotqm/app/calls"
	"mangotqm/assets/i18n"
)

// skippedSummary is one line per reason of the calls a backfill stored as
// skipped ("исходящие — 41"), most first; "" when none.
func skippedSummary(lang string, by map[string]int) string {
	codes := make([]string, 0, len(by))
	for c := range by {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if by[codes[i]] != by[codes[j]] {
			return by[codes[i]] > by[codes[j]]
		}
		return codes[i] < codes[j]
	})
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "  %s\n", SkippedLabel(lang, c, by[c]))
	}
	return b.String()
}

// SkippedLabel names count calls skipped for reason code: the import
// rule's short label, else the reason's own text.
func SkippedLabel(lang, code string, count int) string {
	key := "rules.count." + code
	if text := i18n.T(lang, key, map[string]any{"N": count}); text != key {
		return text
	}
	info, _ := calls.Code(code)
	text := i18n.T(lang, "reason."+code, nil)
	if text == "reason."+code {
		text = info.English
	}
	return fmt.Sprintf("%s — %d", text, count)
}

func printSkipped(w io.Writer, lang string, by map[string]int) {
	if s := skippedSummary(lang, by); s != "" {
		fmt.Fprintln(w, i18n.T(lang, "rules.cli.skipped_by", nil))
		fmt.Fprint(w, s)
	}
}
