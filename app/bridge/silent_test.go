package bridge

import (
	"testing"
	"time"

	"mangotqm/app/calls"
)

func TestSilentCount(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	hook := []calls.Call{
		{Received: t0.Add(-2 * time.Hour), Params: `{"number":"+7 (495) 111-22-33"}`},
		{Received: t0.Add(-3 * time.Hour), Params: `{"number":"74952223344"}`},
		{Received: t0.Add(-time.Hour), Params: `not json`},
	}
	found := func(line, dir, answered string) calls.Call {
		return calls.Call{Params: `{"lineNumber":"` + line + `","direction":"` + dir + `","answered":"` + answered + `"}`}
	}
	for _, tc := range []struct {
		name  string
		found []calls.Call
		want  int
	}{
		{"none found", nil, 0},
		{"answered inbound on a tracking line", []calls.Call{found("74951112233", "inbound", "1")}, 1},
		{"four of them, other forms of the number", []calls.Call{found("74951112233", "inbound", "1"), found("84951112233", "inbound", "1"),
			found("74952223344", "inbound", "1"), found("4952223344", "inbound", "1")}, 4},
		{"missed call", []calls.Call{found("74951112233", "inbound", "0")}, 0},
		{"outbound call", []calls.Call{found("74951112233", "outbound", "1")}, 0},
		{"line that is not a tracking number", []calls.Call{found("74959999999", "inbound", "1")}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, last := silentCount(hook, tc.found)
			if n != tc.want || !last.Equal(t0.Add(-time.Hour)) {
				t.Fatalf("silentCount = %d, %v; want %d, %v", n, last, tc.want, t0.Add(-time.Hour))
			}
		})
	}
}
