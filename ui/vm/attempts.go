package vm

// The «Попытки» tab in words an office admin reads: «Ошибка TQM: HTTP
// 503, ответ через 0 с; повтор в 14:10»; TQM's raw reply and its
// x-correlation-id go under «Подробнее».

import (
	"fmt"
	"strings"
	"time"

	"mangotqm/app/calls"
)

// retryTimes fills each try's RetryAt: when the next try began, or, for
// the last one, when the call is due again (a call still retrying).
func retryTimes(lines []AttemptLine, started []time.Time, call calls.Call) {
	for i := range lines {
		var at time.Time
		switch {
		case i+1 < len(started):
			at = started[i+1]
		case call.Status == calls.StatusRetrying || call.Status == calls.StatusQueued:
			at = call.NextAttempt
		}
		if !at.IsZero() && lines[i].Outcome != calls.OutcomeDelivered {
			lines[i].RetryAt = at.Local().Format("15:04")
		}
	}
}

// AttemptText is one try in plain words: number, time, what happened,
// how long TQM took and when the next try is; the reason (already in the
// user's words) on the next line.
func AttemptText(i int, a AttemptLine, t TranslateData) string {
	data := map[string]any{"N": i + 1, "Time": a.Time, "Outcome": t("desk.outcome."+string(a.Outcome), nil),
		"Status": a.HTTPStatus, "Took": FormatDuration(a.Duration, func(k string) string { return t(k, nil) }),
		"RetryAt": a.RetryAt}
	s := t("desk.attempt.line", data)
	if a.Error != "" {
		s += "\n   " + a.Error
	}
	return s
}

// AttemptsText is the tab's plain text (every try).
func AttemptsText(as []AttemptLine, t TranslateData) string {
	if len(as) == 0 {
		return t("ui.details.no_attempts", nil)
	}
	var b strings.Builder
	b.WriteString(t("ui.details.tries_count", map[string]any{"N": len(as)}) + "\n\n")
	for i, a := range as {
		b.WriteString(AttemptText(i, a, t) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// AttemptsRaw is what support needs, under «Подробнее»: per try, TQM's
// x-correlation-id and its raw reply ("" when there is none).
func AttemptsRaw(as []AttemptLine) string {
	var b strings.Builder
	for i, a := range as {
		if a.CorrelationID == "" && a.Response == "" {
			continue
		}
		fmt.Fprintf(&b, "%d. %s", i+1, a.Time)
		if a.HTTPStatus != 0 {
			fmt.Fprintf(&b, "  HTTP %d", a.HTTPStatus)
		}
		b.WriteString("\n")
		if a.CorrelationID != "" {
			fmt.Fprintf(&b, "   x-correlation-id: %s\n", a.CorrelationID)
		}
		if a.Response != "" {
			fmt.Fprintf(&b, "   %s\n", a.Response)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
