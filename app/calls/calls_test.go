package calls

import (
	"strings"
	"testing"
	"time"
)

func TestEntryIDOf(t *testing.T) {
	for _, tc := range []struct {
		source           Source
		id, params, want string
	}{
		{SourceVPBX, "E1", `{}`, "E1"},
		{SourceReconcile, "E9", `{}`, "E9"},
		{SourceCalltracking, "CT", `{"Entry_ID":" E2 "}`, "E2"},
		{SourceCalltracking, "CT", `{"callId":"CT"}`, ""},
		{SourceCalltracking, "CT", `not json`, ""},
		{SourceCalltracking, "CT", ``, ""},
	} {
		if got := EntryIDOf(tc.source, tc.id, tc.params); got != tc.want {
			t.Errorf("EntryIDOf(%s, %s, %s) = %q, want %q", tc.source, tc.id, tc.params, got, tc.want)
		}
	}
}

func TestNormalizers(t *testing.T) {
	for _, tc := range []struct{ in, key, number string }{
		{"callId", "callid", ""},
		{" Call_ID ", "callid", ""},
		{"entry-id.x", "entryidx", ""},
		{"+7 (495) 137-07-10", "+7(495)1370710", "4951370710"},
		{"84951370710", "84951370710", "4951370710"},
		{"101", "101", "101"},
	} {
		if got := NormalizeKey(tc.in); got != tc.key {
			t.Errorf("NormalizeKey(%q) = %q, want %q", tc.in, got, tc.key)
		}
		if got := NormalizeNumber(tc.in); got != tc.number {
			t.Errorf("NormalizeNumber(%q) = %q, want %q", tc.in, got, tc.number)
		}
	}
}

func TestStatusPredicates(t *testing.T) {
	for _, s := range Statuses {
		if s.Waiting() && s.Final() {
			t.Errorf("%s is both waiting and final", s)
		}
		if _, err := ParseStatus(string(s)); err != nil {
			t.Errorf("ParseStatus(%s): %v", s, err)
		}
	}
	if _, err := ParseStatus("waiting"); err == nil {
		t.Error("ParseStatus accepted a filter pseudo-status")
	}
	for s, want := range map[Status]bool{StatusFailed: true, StatusDelivered: true, StatusDuplicate: false,
		StatusInvalid: true, StatusSending: false, StatusAttention: true} {
		if s.Resendable() != want {
			t.Errorf("%s.Resendable() = %v", s, !want)
		}
	}
}

func TestParseTime(t *testing.T) {
	msk := Moscow()
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, msk), false},
		{" 2026-11-01T09:30:00 ", time.Date(2026, 11, 1, 9, 30, 0, 0, msk), false},
		{"2026-11-01 09:30:00", time.Date(2026, 11, 1, 9, 30, 0, 0, msk), false},
		{"2026-11-01T09:30:00+03:00", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), false},
		{"2026-11-01T06:30:00Z", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"01.11.2026", time.Time{}, true},
	} {
		got, err := ParseTime(tc.in)
		if (err != nil) != tc.bad || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
		if tc.bad && err != nil && !strings.Contains(err.Error(), "YYYY-MM-DD") {
			t.Errorf("error %q does not say which forms work", err)
		}
	}
}
