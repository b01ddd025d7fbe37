package delivery

import (
	"testing"
	"time"

	"mangotqm/store"
)

// TestPauseTransitions: the pause's named transitions, from each state.
func TestPauseTransitions(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	sending := pause{}
	byUser := pause{reason: store.PauseByUser, since: t0}
	keyA := pause{reason: store.PauseByKeyRejected, keyFP: "a", since: t0, status: 401, saved: true}
	cases := []struct {
		name string
		got  pause
		want pause
	}{
		{"user pauses a sending worker", sending.byUser(t1), pause{reason: store.PauseByUser, since: t1}},
		{"user pause over a key pause keeps the key pause", keyA.byUser(t1), keyA},
		{"resume from a user pause", byUser.resumed(), sending},
		{"resume from a key pause forgets the key", keyA.resumed(), sending},
		{"restored key pause", sending.restored(store.Pause{Paused: true, Reason: store.PauseByKeyRejected,
			KeyFingerprint: "a", Since: t0, HTTPStatus: 401}), keyA},
		{"restored flag without a reason is the user's", sending.restored(store.Pause{Paused: true, Since: t0}),
			pause{reason: store.PauseByUser, since: t0, saved: true}},
		{"nothing saved leaves the pause as it is", byUser.restored(store.Pause{}), byUser},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		name    string
		from    pause
		fp      string
		want    pause
		changed bool
	}{
		{"key rejected while sending", sending, "a", pause{reason: store.PauseByKeyRejected, keyFP: "a", since: t1, status: 403}, true},
		{"key rejected during a user pause keeps its start", byUser, "a", pause{reason: store.PauseByKeyRejected, keyFP: "a", since: t0, status: 403}, true},
		{"the same key again changes nothing", keyA, "a", pause{reason: store.PauseByKeyRejected, keyFP: "a", since: t0, status: 403, saved: true}, false},
		{"another key rejected", keyA, "b", pause{reason: store.PauseByKeyRejected, keyFP: "b", since: t0, status: 403, saved: true}, true},
	} {
		got, changed := tc.from.keyRejected(tc.fp, 403, t1)
		if got != tc.want || changed != tc.changed {
			t.Errorf("%s: %+v (changed %v), want %+v (changed %v)", tc.name, got, changed, tc.want, tc.changed)
		}
	}
	if s := keyA.stored(); !s.Paused || s.Reason != store.PauseByKeyRejected || s.KeyFingerprint != "a" || s.HTTPStatus != 401 || !s.Since.Equal(t0) {
		t.Errorf("stored %+v", s)
	}
	if s := sending.stored(); s.Paused {
		t.Errorf("a sending worker stores a pause: %+v", s)
	}
}
