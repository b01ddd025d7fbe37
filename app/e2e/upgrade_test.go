package e2e

// Upgrades keep data: the current binary takes over a data folder written
// by an earlier release (testdata/release-68a3a62, see its README) with
// calls waiting for a retry.

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // reads the backup's schema version

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/store"
)

func TestEarlierReleaseDatabase(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "release-68a3a62", store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, store.FileName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	tqm := sandbox.New(tqmKey)
	defer tqm.Close()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: tqm.URL(), env: secretsEnv(),
		extra: []string{"--audio", "passthrough", "--rate", "20"}})
	ids := []string{"OLDREL-1", "OLDREL-2", "OLDREL-3", "OLDREL-4", "OLDREL-5"}
	clocktest.Within(t, 60*time.Second, "the waiting calls at TQM", func() bool { return len(tqm.Accepted()) >= len(ids) })
	clocktest.Within(t, 30*time.Second, "the deliveries recorded", func() bool {
		for _, c := range listCalls(t, dir) {
			if c.Status != "delivered" && c.Status != "duplicate" {
				return false
			}
		}
		return true
	})
	p.stop(t)

	for _, id := range ids {
		if n := tqm.CountByID(id); n != 1 {
			t.Errorf("call %s reached TQM %d times, want once", id, n)
		}
	}
	if n := len(tqm.Accepted()); n != len(ids) {
		t.Errorf("TQM accepted %d imports, want %d", n, len(ids))
	}
	status := map[string][]string{}
	for _, c := range listCalls(t, dir) {
		status[c.CallID] = append(status[c.CallID], c.Status)
	}
	if got := strings.Join(status["OLDREL-1"], ","); got != "duplicate,delivered" && got != "delivered,duplicate" {
		t.Errorf("OLDREL-1 rows: %s, want one delivered and its duplicate", got)
	}
	if len(status) != len(ids) {
		t.Errorf("calls after the upgrade: %v", status)
	}

	// The backup taken before the migrations holds the old schema.
	var before []string
	for _, b := range store.Backups(store.BackupDir(dir)) {
		if strings.Contains(filepath.Base(b), "before-upgrade") {
			before = append(before, b)
		}
	}
	if len(before) != 1 {
		t.Fatalf("backups before the upgrade: %v", before)
	}
	db, err := sql.Open("sqlite3", "file:"+before[0]+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version, waiting int
	if err := db.QueryRow(`SELECT max(version_id) FROM goose_db_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM calls WHERE status = 'retrying'`).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	if version != 3 || waiting != len(ids) {
		t.Fatal(fmt.Sprintf("the backup before the upgrade has schema %d and %d waiting calls, want 3 and %d", version, waiting, len(ids)))
	}
}
