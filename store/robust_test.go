package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"

	"github.com/pressly/goose/v3"
)

func TestRawIsStoredOnce(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	big := strings.Repeat("я", MaxRawBody) // 2 MiB of UTF-8
	tests := []struct {
		name       string
		raw        string
		params     string
		wantStored string // substring of the raw column
		wantRaw    string // substring of Call.Raw as read
		wantCut    bool
	}{
		{name: "clean GET query is derived from params",
			raw:    `{"method":"GET","query":"callId=1\u0026utm_source=ya+ru"}`,
			params: `{"callId":"1","utm_source":"ya ru"}`, wantStored: `"derived":"query"`,
			wantRaw: `"query":"callId=1\u0026utm_source=ya+ru"`},
		{name: "clean form body is derived",
			raw:    `{"method":"POST","contentType":"application/x-www-form-urlencoded","body":"callId=2"}`,
			params: `{"callId":"2"}`, wantStored: `"derived":"body"`, wantRaw: `"body":"callId=2"`},
		{name: "stray characters are kept as received",
			raw:    `{"method":"GET","query":"callId=3\u0026utm_term=100%"}`,
			params: `{"callId":"3","utm_term":"100%"}`, wantStored: `utm_term=100%`, wantRaw: `utm_term=100%`},
		{name: "JSON body is kept",
			raw:    `{"method":"POST","contentType":"application/json","body":"{\"callId\":\"4\"}"}`,
			params: `{"callId":"4"}`, wantStored: `\"callId\"`, wantRaw: `\"callId\"`},
		{name: "a body over 1 MiB is cut",
			raw:    `{"method":"POST","contentType":"text/csv","body":"` + big + `"}`,
			params: `{}`, wantStored: `"body":"яяя`, wantRaw: `"body":"яяя`, wantCut: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := st.Intake(ctx, NewCall{Source: "calltracking", CallID: fmt.Sprint("R", i), Raw: tt.raw,
				Params: tt.params, Notes: "note " + tt.name})
			if err != nil {
				t.Fatal(err)
			}
			var stored string
			if err := st.r.QueryRow(`SELECT raw FROM calls WHERE id = ?`, in.ID).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stored, tt.wantStored) {
				t.Errorf("stored raw %.200q lacks %q", stored, tt.wantStored)
			}
			if tt.wantCut && len(stored) > MaxRawBody+200 {
				t.Errorf("stored raw is %d bytes", len(stored))
			}
			if strings.Contains(tt.wantStored, "derived") && (len(stored) >= len(tt.raw)) {
				t.Errorf("derived raw %q is not smaller than %q", stored, tt.raw)
			}
			c, err := st.Get(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Raw, tt.wantRaw) || c.RawCut != tt.wantCut || c.Notes != "note "+tt.name {
				t.Fatalf("read raw %.200q cut %v notes %q", c.Raw, c.RawCut, c.Notes)
			}
			if !json.Valid([]byte(c.Raw)) {
				t.Fatal("raw as read is not JSON")
			}
		})
	}
}

// fillCalls stores n calls with some bulk, so the file has many pages.
func fillCalls(t *testing.T, st *Store, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := st.Intake(context.Background(), NewCall{Source: "calltracking", CallID: fmt.Sprint("F", i),
			Raw: `{"method":"POST","contentType":"text/csv","body":"` + strings.Repeat("x", 2000) + `"}`}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRefusesADamagedFile(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillCalls(t, st, 200)
	backup, err := st.Backup(context.Background(), BackupDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	junk := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
	for off := int64(8192); off < fi.Size()-8192; off += 16384 { // every fourth page of the table
		if _, err := f.WriteAt(junk, off); err != nil {
			t.Fatal(err)
		}
	}
	_ = f.Close()

	_, err = Open(context.Background(), dir, Options{})
	if !errors.Is(err, ErrDatabaseDamaged) {
		t.Fatalf("open of a damaged file: %v, want ErrDatabaseDamaged", err)
	}
	for _, want := range []string{path, backup, "mangotqm restore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	// The way back works.
	if _, err := Restore(context.Background(), dir, backup); err != nil {
		t.Fatal(err)
	}
	st, err = Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("open after restore: %v", err)
	}
	defer st.Close()
	if list, _ := st.List(context.Background(), calls.Filter{Limit: 1000}); len(list) != 200 {
		t.Fatalf("%d calls after restore, want 200", len(list))
	}
}

func TestOpenWithoutItsDatabase(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(t *testing.T, dir string) // before the second Open
		mustExist bool
		wantErr   error
		wantText  []string
	}{
		{name: "new folder: created", setup: func(t *testing.T, dir string) {}},
		{name: "deleted, marker left", setup: func(t *testing.T, dir string) {
			first(t, dir, false)
			removeDB(t, dir)
		}, wantErr: ErrDatabaseMissing, wantText: []string{MarkerName, "delete"}},
		{name: "deleted, backups left", setup: func(t *testing.T, dir string) {
			first(t, dir, true)
			removeDB(t, dir)
			_ = os.Remove(filepath.Join(dir, MarkerName))
		}, wantErr: ErrDatabaseMissing, wantText: []string{"mangotqm restore", BackupDirName}},
		{name: "emptied, marker left", setup: func(t *testing.T, dir string) {
			first(t, dir, false)
			removeDB(t, dir)
			if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, wantErr: ErrDatabaseMissing},
		{name: "read-only command in a new folder", setup: func(t *testing.T, dir string) {}, mustExist: true,
			wantErr: ErrNoDatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			tt.setup(t, dir)
			st, err := Open(context.Background(), dir, Options{MustExist: tt.mustExist})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				_ = st.Close()
				if _, err := os.Stat(filepath.Join(dir, MarkerName)); err != nil {
					t.Fatalf("no marker after creating the database: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				if st != nil {
					_ = st.Close()
				}
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			for _, w := range append(tt.wantText, filepath.Join(dir, FileName)) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if fi, err := os.Stat(filepath.Join(dir, FileName)); err == nil && fi.Size() > 0 {
				t.Error("a new database was created")
			}
		})
	}
}

func first(t *testing.T, dir string, backup bool) {
	t.Helper()
	st, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if backup {
		if _, err := st.Backup(context.Background(), BackupDir(dir)); err != nil {
			t.Fatal(err)
		}
	}
}

func removeDB(t *testing.T, dir string) {
	t.Helper()
	for _, sfx := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(filepath.Join(dir, FileName+sfx)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
}

func TestOpenTightensTheDataFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder mode %v, want 0700", fi.Mode().Perm())
	}
}

// TestFailedBatchSparesHealthyWebhooks: one webhook that cannot be stored
// fails alone; the others that shared its group commit are stored.
func TestFailedBatchSparesHealthyWebhooks(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	if _, err := st.w.Exec(`CREATE TEMP TRIGGER poison BEFORE INSERT ON calls WHEN NEW.call_id = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`); err != nil {
		t.Fatal(err)
	}
	// Hold the writer so that the webhooks queue up and share one batch.
	conn, err := st.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() { _ = conn.Close() })
	defer release() // a failure must not leave the committer (and Close) blocked
	const n = 40
	var wg sync.WaitGroup
	var entered atomic.Int32
	errs := make([]error, n)
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			entered.Add(1)
			id := fmt.Sprint("ok-", i)
			if i == n/2 {
				id = "poison"
			}
			_, errs[i] = st.Intake(ctx, NewCall{Source: "calltracking", CallID: id, Raw: "{}"})
		}()
	}
	start(0)
	for i := 1; i < n; i++ {
		start(i)
	}
	// Every webhook is on its way while the writer is held: the committer
	// holds some in its blocked batch, the rest wait in the queue; either
	// way they share batches with the poisoned one.
	clocktest.Eventually(t, "webhooks queued behind the held writer", func() bool {
		return entered.Load() == n
	})
	release()
	wg.Wait()
	for i, err := range errs {
		if i == n/2 {
			if err == nil || !strings.Contains(err.Error(), "poisoned") {
				t.Errorf("poisoned webhook: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("healthy webhook %d failed with its batch: %v", i, err)
		}
	}
	if list, _ := st.List(ctx, calls.Filter{}); len(list) != n-1 {
		t.Fatalf("%d stored, want %d", len(list), n-1)
	}
}

func TestDatabaseDeletedWhileRunning(t *testing.T) {
	for _, how := range []string{"deleted", "replaced"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			faults := make(chan error, 4)
			st, err := Open(ctx, dir, Options{OnFault: func(err error) { faults <- err }})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "before", Raw: "{}"}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, FileName)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if how == "replaced" {
				if err := os.WriteFile(path, []byte("another file"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err = st.Intake(ctx, NewCall{Source: "calltracking", CallID: "after", Raw: "{}"})
			if !errors.Is(err, ErrDatabaseGone) {
				t.Fatalf("intake into a %s file: %v, want ErrDatabaseGone", how, err)
			}
			if got := <-faults; !errors.Is(got, ErrDatabaseGone) || !strings.Contains(got.Error(), path) {
				t.Fatalf("fault %v", got)
			}
			if !errors.Is(st.Fault(), ErrDatabaseGone) {
				t.Fatalf("Fault() = %v", st.Fault())
			}
			if err := st.Resend(ctx, 1); !errors.Is(err, ErrDatabaseGone) {
				t.Fatalf("other writes: %v", err)
			}
		})
	}
}

func TestBackupKeepsSevenAndRestoreRefusesWhileOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := clocktest.NewManual(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	st, err := Open(ctx, dir, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	fillCalls(t, st, 3)
	var first string
	for i := 0; i < 9; i++ {
		p, err := st.Backup(ctx, BackupDir(dir))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = p
		}
		clk.Advance(24 * time.Hour)
	}
	list := Backups(BackupDir(dir))
	if len(list) != KeepBackups || exists(first) {
		t.Fatalf("backups %v, want the newest %d", list, KeepBackups)
	}
	fi, err := os.Stat(list[0])
	if err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("backup %v mode %v", err, fi.Mode())
	}
	fillCalls(t, st, 0)
	if _, err := st.Intake(ctx, NewCall{Source: "calltracking", CallID: "after-backup", Raw: "{}"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, dir, list[0]); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore while open: %v, want ErrInUse", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, dir, filepath.Join(dir, MarkerName)); err == nil {
		t.Fatal("restored from a file that is not a database")
	}
	replaced, err := Restore(ctx, dir, list[0])
	if err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The backup's 3 calls, and the one the replaced database still had.
	if list, _ := st.List(ctx, calls.Filter{}); len(list) != 4 {
		t.Fatalf("%d calls after restore, want the backup's 3 and the one stored after it", len(list))
	}
	old, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	if !exists(replaced) {
		t.Fatalf("replaced database %s not kept", replaced)
	}
}

func TestRunBackupsBacksUpAtOnceWhenNoneIsRecent(t *testing.T) {
	st := openTest(t, Options{})
	dir := filepath.Join(t.TempDir(), "b")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.RunBackups(ctx, dir, time.Hour, nil); close(done) }()
	clocktest.Eventually(t, "the first backup", func() bool { return len(Backups(dir)) == 1 })
	cancel()
	<-done
}

// TestUpgradeBacksUpAndKeepsAKeyRejection: opening a database of the
// previous schema backs it up first, and a pause saved then while the
// "key rejected" incident was open becomes a key_rejected pause.
func TestUpgradeBacksUpAndKeepsAKeyRejection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	register()
	db, err := sql.Open(driverName, dsn(path, "rwc", "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO settings (key, value, updated_at) VALUES ('delivery.paused', 'true', 1)`,
		`INSERT INTO incidents (kind, message, opened_at) VALUES ('tqm_key_rejected', 'rejected', 1)`,
		`INSERT INTO calls (source, call_id, raw, received_at, status, updated_at) VALUES ('calltracking', 'old', '{"method":"GET","query":"callId=old"}', 1, 'queued', 1)`,
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
	if b := Backups(BackupDir(dir)); len(b) != 1 || !strings.Contains(b[0], "before-upgrade") {
		t.Fatalf("backups %v, want one before the upgrade", b)
	}
	pause, err := st.LoadPause(ctx)
	if err != nil || !pause.Paused || pause.Reason != PauseByKeyRejected {
		t.Fatalf("pause %+v %v", pause, err)
	}
	c, err := st.Get(ctx, 1)
	if err != nil || c.Raw != `{"method":"GET","query":"callId=old"}` {
		t.Fatalf("old call %+v %v", c, err)
	}
}

func TestPauseSaveLoad(t *testing.T) {
	ctx := context.Background()
	clk := clocktest.NewManual(time.UnixMilli(1_000_000))
	st := openTest(t, Options{Clock: clk})
	tick := func() { clk.Advance(time.Millisecond) }
	if p, err := st.LoadPause(ctx); err != nil || p.Paused {
		t.Fatalf("fresh: %+v %v", p, err)
	}
	want := Pause{Paused: true, Reason: PauseByKeyRejected, KeyFingerprint: "abc", HTTPStatus: 401, Since: clk.Now().UTC()}
	if err := st.SavePause(ctx, want); err != nil {
		t.Fatal(err)
	}
	if p, err := st.LoadPause(ctx); err != nil || p != want {
		t.Fatalf("got %+v %v, want %+v", p, err, want)
	}
	// The window's "resume" writes only the flag (as the core does).
	tick()
	if err := st.SetSetting(ctx, SettingPaused, false); err != nil {
		t.Fatal(err)
	}
	if p, _ := st.LoadPause(ctx); p.Paused {
		t.Fatalf("after the flag was cleared: %+v", p)
	}
	// A later pause by the user does not bring the old reason back.
	tick()
	if err := st.SetSetting(ctx, SettingPaused, true); err != nil {
		t.Fatal(err)
	}
	if p, _ := st.LoadPause(ctx); !p.Paused || p.Reason != PauseByUser || p.KeyFingerprint != "" {
		t.Fatalf("user pause read as %+v", p)
	}
	if err := st.SavePause(ctx, Pause{}); err != nil {
		t.Fatal(err)
	}
	var flag bool
	if _, err := st.GetSetting(ctx, SettingPaused, &flag); err != nil || flag {
		t.Fatalf("flag after SavePause(not paused): %v %v", flag, err)
	}
}

func TestStuckSendingIsRequeuedAndResendable(t *testing.T) {
	ctx := context.Background()
	clk := clocktest.NewManual(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	st := openTest(t, Options{Clock: clk})
	for _, id := range []string{"A", "B"} {
		if _, err := st.Intake(ctx, NewCall{Source: "calltracking", CallID: id, Raw: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
	a, _, _ := st.Claim(ctx)
	b, _, _ := st.Claim(ctx)
	if err := st.Resend(ctx, a.ID); !errors.Is(err, calls.ErrNotResendable) {
		t.Fatalf("resend of a call being sent: %v", err)
	}
	clk.Advance(SendingStaleAfter + time.Second)
	if err := st.Resend(ctx, a.ID); err != nil {
		t.Fatalf("resend of a stuck call: %v", err)
	}
	got, _ := st.Get(ctx, a.ID)
	if got.Status != calls.StatusQueued || !got.OutcomeUnknown {
		t.Fatalf("resent stuck call %+v", got)
	}
	ids, err := st.RequeueStuck(ctx, clk.Now().Add(-SendingStaleAfter), func(row int64) bool { return false })
	if err != nil || len(ids) != 1 || ids[0] != b.ID {
		t.Fatalf("requeued %v %v, want [%d]", ids, err, b.ID)
	}
	got, _ = st.Get(ctx, b.ID)
	atts, _ := st.Attempts(ctx, b.ID)
	if got.Status != calls.StatusRetrying || !got.OutcomeUnknown || got.LastError != MessageStuck || got.LastErrorCoded.Code != calls.CodeUnknownStuck ||
		len(atts) != 1 || atts[0].Outcome != calls.OutcomeUnknown {
		t.Fatalf("swept call %+v %+v", got, atts)
	}
	// A call still in flight here is left alone.
	c, _, _ := st.Claim(ctx)
	clk.Advance(SendingStaleAfter + time.Second)
	if ids, _ := st.RequeueStuck(ctx, clk.Now().Add(-SendingStaleAfter), func(row int64) bool { return row == c.ID }); len(ids) != 0 {
		t.Fatalf("requeued an in-flight call: %v", ids)
	}
}

func TestInvalidCallIsResendable(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, Options{})
	in, err := st.Intake(ctx, NewCall{Source: "calltracking", Raw: "{}", Invalid: calls.NewReason(calls.CodeNoCallID)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Resend(ctx, in.ID); err != nil {
		t.Fatalf("resend of an invalid call: %v", err)
	}
	c, ok, err := st.Claim(ctx)
	if err != nil || !ok || c.ID != in.ID {
		t.Fatalf("claim after resend: %v %v %+v", ok, err, c)
	}
}
