package vm

// The header's one quiet connection line: it changes only when the state
// changes, says a thing once, and fits one line (the whole reason is one
// click away).

import (
	"strings"
	"unicode/utf8"

	"mangotqm/tunnel"
)

// SteadyState is the state the line shows: a reconnect after a failure
// (the tunnel retrying every ~20 s, Connecting with the last failure's
// key) is still «no connection» until it is online again, so the line and
// the tray do not flip between «Подключение…» and «Нет связи».
func SteadyState(s tunnel.State, key string) tunnel.State {
	if s == tunnel.Connecting && key != "" {
		return tunnel.Offline
	}
	return s
}

// StateReason joins the state's label and the reason without saying the
// same thing twice: «Нет связи» + «Нет связи с серверами ngrok. …» is the
// reason alone.
func StateReason(state, reason string) string {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return state
	}
	if strings.HasPrefix(strings.ToLower(reason), strings.ToLower(strings.TrimSpace(state))) {
		return reason
	}
	return state + ": " + reason
}

// Headline is a text's first sentence (the header's one line), and
// whether more follows (shown under «Подробнее»).
func Headline(s string) (head string, more bool) {
	s = strings.TrimSpace(s)
	for i, r := range s {
		if (r == '.' || r == '!' || r == '?') && i+1 < len(s) && s[i+1] == ' ' {
			if sp := strings.LastIndexByte(s[:i], ' '); sp >= 0 && utf8.RuneCountInString(s[sp+1:i]) <= 1 {
				continue // «т. е.», «ул. », initials: not a sentence end
			}
			return s[:i+1], strings.TrimSpace(s[i+1:]) != ""
		}
	}
	return s, false
}
