package vpbxevents

import (
	"context"
	"testing"
	"time"

	"mangotqm/store"
)

// TestOutboxPassesPauseAndSweepThrough: with both sources, the joining
// outbox still persists the delivery pause and sweeps stuck calls.
func TestOutboxPassesPauseAndSweepThrough(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := NewOutbox(st, nil, 0, nil, nil)
	want := store.Pause{Paused: true, Reason: store.PauseByKeyRejected, KeyFingerprint: "f"}
	if err := o.SavePause(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := o.LoadPause(ctx); err != nil || got.KeyFingerprint != "f" || !got.Paused {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := st.Intake(ctx, store.NewCall{Source: "vpbx", CallID: "E1", Raw: "{}"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.Claim(ctx); !ok || err != nil {
		t.Fatalf("claim %v %v", ok, err)
	}
	ids, err := o.RequeueStuck(ctx, time.Now().Add(time.Minute), nil)
	if err != nil || len(ids) != 1 {
		t.Fatalf("swept %v %v", ids, err)
	}
}
