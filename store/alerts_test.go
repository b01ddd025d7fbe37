package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
)

// Upgrading to the alerts schema: incidents of the past are not news (no
// alert for them), the one still open is announced once.
func TestUpgradeAnnouncesOnlyOpenIncidents(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	register()
	db, err := sql.Open(driverName, dsn(filepath.Join(dir, FileName), "rwc", "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO incidents (kind, message, opened_at, cleared_at) VALUES ('tunnel_down', 'old', 1, 2)`,
		`INSERT INTO incidents (kind, message, opened_at, cleared_at) VALUES ('storage', 'old', 3, 4)`,
		`INSERT INTO incidents (kind, message, opened_at) VALUES ('tqm_key_rejected', 'open now', 5)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.Close()
	st, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ch, err := st.IncidentChanges(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 1 || ch[0].Kind != "tqm_key_rejected" || ch[0].Event != IncidentOpened || ch[0].Message != "open now" {
		t.Fatalf("changes %+v", ch)
	}
	if err := st.Announce(ctx, ch, []Alert{{Channel: "email", Topic: "tqm_key_rejected", Dedup: "d1", Subject: "s", Body: "b"},
		{Channel: "email", Topic: "tqm_key_rejected", Dedup: "d1", Subject: "again", Body: "b"}}); err != nil {
		t.Fatal(err)
	}
	if ch, err := st.IncidentChanges(ctx, 10); err != nil || len(ch) != 0 {
		t.Fatalf("after Announce: %+v %v", ch, err)
	}
	due, err := st.DueAlerts(ctx, time.Now().Add(time.Second), 10)
	if err != nil || len(due) != 1 || due[0].Subject != "s" {
		t.Fatalf("due %+v %v (the same dedup twice must enqueue once)", due, err)
	}
	// Cleared: the clearing is the next change, after its opening.
	if _, err := st.ClearIncident(ctx, "tqm_key_rejected"); err != nil {
		t.Fatal(err)
	}
	if ch, err := st.IncidentChanges(ctx, 10); err != nil || len(ch) != 1 || ch[0].Event != IncidentCleared || ch[0].Cleared.IsZero() {
		t.Fatalf("after clearing: %+v %v", ch, err)
	}
}
