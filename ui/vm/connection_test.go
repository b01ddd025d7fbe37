package vm

import (
	"testing"

	"mangotqm/tunnel"
)

func TestSteadyState(t *testing.T) {
	for _, tc := range []struct {
		s    tunnel.State
		key  string
		want tunnel.State
	}{
		{tunnel.Connecting, "", tunnel.Connecting}, // the first connect
		{tunnel.Connecting, "tunnel.ngrok.unreachable", tunnel.Offline},
		{tunnel.Offline, "tunnel.ngrok.unreachable", tunnel.Offline},
		{tunnel.Online, "", tunnel.Online},
	} {
		if got := SteadyState(tc.s, tc.key); got != tc.want {
			t.Errorf("SteadyState(%s, %q) = %s, want %s", tc.s, tc.key, got, tc.want)
		}
	}
	// The retry loop alternates Connecting and Offline with the same key:
	// the line's state never changes.
	seq := []tunnel.State{tunnel.Offline, tunnel.Connecting, tunnel.Offline, tunnel.Connecting}
	for _, s := range seq {
		if HealthOf(Header{TunnelState: SteadyState(s, "tunnel.ngrok.unreachable")}) != HealthError {
			t.Fatalf("health flips at %s", s)
		}
	}
}

func TestStateReasonSaysItOnce(t *testing.T) {
	for _, tc := range []struct{ state, reason, want string }{
		{"Нет связи", "Нет связи с серверами ngrok. Проверьте интернет.", "Нет связи с серверами ngrok. Проверьте интернет."},
		{"Нет связи", "ngrok не принял authtoken (ERR_NGROK_107).", "Нет связи: ngrok не принял authtoken (ERR_NGROK_107)."},
		{"Offline", "", "Offline"},
	} {
		if got := StateReason(tc.state, tc.reason); got != tc.want {
			t.Errorf("StateReason(%q, %q) = %q, want %q", tc.state, tc.reason, got, tc.want)
		}
	}
}

func TestHeadline(t *testing.T) {
	for _, tc := range []struct {
		in, head string
		more     bool
	}{
		{"Нет связи с серверами ngrok. Проверьте интернет.", "Нет связи с серверами ngrok.", true},
		{"Работает", "Работает", false},
		{"Адрес ngrok занят (ERR_NGROK_334) — т. е. прошлым подключением. Подождите.", "Адрес ngrok занят (ERR_NGROK_334) — т. е. прошлым подключением.", true},
		{"Один.", "Один.", false},
	} {
		head, more := Headline(tc.in)
		if head != tc.head || more != tc.more {
			t.Errorf("Headline(%q) = %q %v, want %q %v", tc.in, head, more, tc.head, tc.more)
		}
	}
}
