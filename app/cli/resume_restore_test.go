package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"mangotqm/app/delivery"
	"mangotqm/store"
)

func TestResumeClearsTheSavedPause(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SavePause(ctx, store.Pause{Paused: true, Reason: store.PauseByKeyRejected, KeyFingerprint: "f"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenIncident(ctx, delivery.IncidentKeyRejected, "rejected"); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	for i, want := range []string{"delivery resumed", "not paused"} {
		var out, errOut bytes.Buffer
		if err := Resume(ctx, []string{"--lang", "en", "--data-dir", dir}, &out, &errOut); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if !strings.Contains(out.String(), want) {
			t.Fatalf("run %d printed %q, want %q", i, out.String(), want)
		}
	}
	st, err = store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if p, _ := st.LoadPause(ctx); p.Paused {
		t.Fatalf("still paused: %+v", p)
	}
	if in, _ := st.OpenIncidents(ctx); len(in) != 0 {
		t.Fatalf("incidents left open: %+v", in)
	}
}

func TestRestoreRefusesWhileOpenThenRestores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Intake(ctx, store.NewCall{Source: "calltracking", CallID: "B1", Raw: "{}"}); err != nil {
		t.Fatal(err)
	}
	backup, err := st.Backup(ctx, store.BackupDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = Restore(ctx, []string{"--data-dir", dir, "--from", backup}, &out, &errOut)
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "stop") {
		t.Fatalf("restore with the database open: %v", err)
	}
	_ = st.Close()
	if err := Restore(ctx, []string{"--data-dir", dir}, &out, &errOut); err == nil {
		t.Fatal("restore without --from accepted")
	}
	if err := Restore(ctx, []string{"--data-dir", dir, "--from", backup, "--lang", "en", "--secrets", "env"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	// Without the VPBX key the period that may be missing is named.
	for _, want := range []string{"restored", "kept as", "may be missing", "mangotqm backfill --data-dir " + dir + " --from "} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("printed %q, want %q", out.String(), want)
		}
	}
}
