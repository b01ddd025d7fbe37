package store

// Salvage and the gap a restore leaves.
//
// Salvage builds a fresh database (the current migrations) next to a
// damaged one and copies into it every row SQLite can still read, table by
// table and row by row: a scan in rowid order that, when it meets a damaged
// page, steps over it by reading single rowids until one reads again. The
// damaged file is kept beside the new one as mangotqm-damaged-….db.
//
// A restore puts a backup in place; the calls the replaced database still
// has readable (stored or delivered after the backup) are carried over into
// it by the same reader, so what TQM already received is not sent again.
//
// Both leave a Gap in the new database (setting SettingGap): the period
// whose calls may be missing. The bridge backfills it from Mango's call
// history when the VPBX code and key are set and then clears it; until then
// it names the period.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// SettingGap holds the Gap a restore or salvage left (zero once closed).
const SettingGap = "restore.gap"

// GapMargin: a gap starts this long before the last moment the kept data
// is known complete — a call in progress then reached the bridge later.
const GapMargin = time.Hour

// Gap causes.
const (
	GapRestore = "restore"
	GapSalvage = "salvage"
)

// Gap is a period whose calls may be missing from the database.
type Gap struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`    // when the restore or salvage happened; the backfill goes on to now
	Cause string    `json:"cause"` // GapRestore or GapSalvage
	File  string    `json:"file"`  // the backup restored, or the damaged file kept
}

// IsZero reports whether there is no gap.
func (g Gap) IsZero() bool { return g.From.IsZero() }

// Gap returns the open gap, if any.
func (s *Store) Gap(ctx context.Context) (Gap, bool, error) {
	var g Gap
	found, err := s.GetSetting(ctx, SettingGap, &g)
	if err != nil || !found || g.IsZero() {
		return Gap{}, false, err
	}
	return g, true, nil
}

// CloseGap records that the gap was backfilled.
func (s *Store) CloseGap(ctx context.Context) error { return s.SetSetting(ctx, SettingGap, Gap{}) }

// RestoreResult is what RestoreBackup did.
type RestoreResult struct {
	// Replaced is where the replaced database is kept ("" if there was none).
	Replaced string
	// Carried counts the calls taken over from the replaced database
	// (stored after the backup, or with a later delivery state).
	Carried int
	// Gap is the period to backfill.
	Gap Gap
}

// SalvageResult is what Salvage did.
type SalvageResult struct {
	Calls      int    // calls saved from the damaged file
	FromBackup int    // calls lost with damaged pages, taken from the newest backup
	Unknown    bool   // some call rows could not be read and how many is not known
	Lost       int    // call rows that could not be read
	Rows       int    // rows saved in all tables
	Damaged    string // where the damaged file is kept
	Gap        Gap
	Complete   bool // every row was read
}

// Salvage replaces the damaged database in dataDir by a fresh one holding
// every row that can still be read; the damaged file is kept beside it.
// Like Restore it refuses (ErrInUse) while a mangotqm process has the
// database open.
func Salvage(ctx context.Context, dataDir string) (SalvageResult, error) {
	var res SalvageResult
	if err := prepareDir(dataDir); err != nil {
		return res, err
	}
	lock, err := exclusive(dataDir)
	if err != nil {
		return res, err
	}
	defer lock.Close()
	path := filepath.Join(dataDir, FileName)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return res, fmt.Errorf("%w: nothing to salvage at %s", ErrNoDatabase, path)
	}
	src, err := openSource(ctx, path)
	if err != nil {
		return res, fmt.Errorf("salvage %s: %w", path, err)
	}
	defer src.Close()

	tmp := path + ".salvaging"
	removeDBFiles(tmp)
	dst, err := openScratch(ctx, tmp)
	if err != nil {
		return res, err
	}
	defer func() {
		if dst != nil {
			_ = dst.Close()
			removeDBFiles(tmp)
		}
	}()
	if err := migrate(ctx, dst, func(context.Context) error { return nil }); err != nil {
		return res, fmt.Errorf("salvage: new database: %w", err)
	}
	tables, err := tableNames(ctx, dst)
	if err != nil {
		return res, err
	}
	var (
		holeAfter time.Time // received_at of the last call read before the first unreadable one
		hole      bool      // some calls could not be read
	)
	complete := true
	for _, t := range tables {
		c, err := copyTable(ctx, src, dst, t, modeSalvage)
		if err != nil {
			return res, err
		}
		res.Rows += c.copied
		if c.lossSeen {
			complete = false
		}
		if t == "calls" {
			res.Calls, res.Lost, res.Unknown = c.copied, c.lost, c.unreadable
			hole, holeAfter = c.lossSeen, c.beforeFirstLoss
		}
	}
	// Calls lost with damaged pages that the newest backup has come back
	// from it, as they were then.
	backup := newestBackup(BackupDir(dataDir))
	var backupAt time.Time
	if hole && backup != "" && checkBackup(ctx, backup) == nil {
		if bsrc, err := openSource(ctx, backup); err == nil {
			for _, t := range []string{"calls", "attempts", "recordings"} {
				c, err := copyTable(ctx, bsrc, dst, t, modeSalvage)
				if err != nil {
					_ = bsrc.Close()
					return res, err
				}
				if t == "calls" {
					res.FromBackup = c.copied
				}
			}
			_ = bsrc.Close()
			backupAt = backupTime(backup)
		}
	}
	if err := fixOrphans(ctx, dst); err != nil {
		return res, err
	}
	// The gap starts where the saved calls are no longer known complete:
	// at the newest call, or before that at the first hole (after the
	// backup that filled it, if any); a hole before any readable call
	// with no backup reaches back to when the database was made.
	from, err := newestCall(ctx, dst)
	if err != nil {
		return res, err
	}
	if hole {
		known := holeAfter
		if backupAt.After(known) {
			known = backupAt
		}
		if known.IsZero() {
			known = createdAt(dataDir, path)
		}
		if from.IsZero() || known.Before(from) {
			from = known
		}
	}
	if from.IsZero() { // no calls at all
		from = createdAt(dataDir, path)
	}
	now := time.Now()
	res.Complete = complete
	res.Damaged = filepath.Join(dataDir, "mangotqm-damaged-"+now.Format("20060102-150405")+backupSuffix)
	res.Gap = Gap{From: from.Add(-GapMargin), To: now, Cause: GapSalvage, File: res.Damaged}
	if err := writeGap(ctx, dst, res.Gap, now); err != nil {
		return res, err
	}
	if err := closeScratch(dst); err != nil {
		return res, fmt.Errorf("salvage: %w", err)
	}
	dst = nil
	_ = src.Close()
	if err := setAside(path, res.Damaged); err != nil {
		removeDBFiles(tmp)
		return res, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return res, fmt.Errorf("put the salvaged database in place (the damaged one is kept as %s): %w", res.Damaged, err)
	}
	syncDir(dataDir)
	if err := writeMarker(dataDir, now); err != nil {
		return res, err
	}
	return res, nil
}

// RestoreBackup replaces the database in dataDir with the backup from
// (checked first), carries over the calls the replaced database can still
// tell about, and records the gap since the backup. It refuses (ErrInUse)
// while any mangotqm process has the database open. The replaced database
// is kept next to it as mangotqm-replaced-YYYYMMDD-HHMMSS.db.
func RestoreBackup(ctx context.Context, dataDir, from string) (RestoreResult, error) {
	var res RestoreResult
	if err := checkBackup(ctx, from); err != nil {
		return res, err
	}
	if err := prepareDir(dataDir); err != nil {
		return res, err
	}
	lock, err := exclusive(dataDir)
	if err != nil {
		return res, err
	}
	defer lock.Close()

	path := filepath.Join(dataDir, FileName)
	now := time.Now()
	tmp := path + ".restoring"
	removeDBFiles(tmp)
	if err := copyFile(from, tmp); err != nil {
		removeDBFiles(tmp)
		return res, fmt.Errorf("copy the backup: %w", err)
	}
	dst, err := openScratch(ctx, tmp)
	if err != nil {
		removeDBFiles(tmp)
		return res, err
	}
	fail := func(err error) (RestoreResult, error) {
		_ = dst.Close()
		removeDBFiles(tmp)
		return res, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		// What the replaced database still knows about calls is newer than
		// the backup: take it over where it can be read.
		if src, err := openSource(ctx, path); err == nil {
			for _, t := range []string{"calls", "attempts", "recordings"} {
				c, err := copyTable(ctx, src, dst, t, modeCarry)
				if err != nil {
					_ = src.Close()
					return fail(err)
				}
				if t == "calls" {
					res.Carried = c.copied
				}
			}
			_ = src.Close()
			if err := fixOrphans(ctx, dst); err != nil {
				return fail(err)
			}
		}
	}
	res.Gap = Gap{From: backupTime(from).Add(-GapMargin), To: now, Cause: GapRestore, File: from}
	if err := writeGap(ctx, dst, res.Gap, now); err != nil {
		return fail(err)
	}
	if err := closeScratch(dst); err != nil {
		removeDBFiles(tmp)
		return res, fmt.Errorf("restore: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		res.Replaced = filepath.Join(dataDir, "mangotqm-replaced-"+now.Format("20060102-150405")+backupSuffix)
		if err := setAside(path, res.Replaced); err != nil {
			removeDBFiles(tmp)
			return res, err
		}
	} else {
		for _, sfx := range []string{"-wal", "-shm"} { // leftovers of a deleted database must not be applied to the backup
			_ = os.Remove(path + sfx)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		removeDBFiles(tmp)
		return res, fmt.Errorf("put the backup in place: %w", err)
	}
	syncDir(dataDir)
	if err := writeMarker(dataDir, now); err != nil {
		return res, err
	}
	return res, nil
}

func exclusive(dataDir string) (*os.File, error) {
	lock, err := takeLock(dataDir, true)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("%w: a mangotqm bridge (or another mangotqm command) has %s open; stop it first",
			ErrInUse, filepath.Join(dataDir, FileName))
	}
	return lock, err
}

// backupTime is when a backup was written: the time in its name (local
// time) or, failing that, the file's modification time — the earlier.
func backupTime(p string) time.Time {
	var at time.Time
	if fi, err := os.Stat(p); err == nil {
		at = fi.ModTime()
	}
	n := strings.TrimPrefix(filepath.Base(p), backupPrefix)
	if len(n) >= len("20060102-150405") {
		if t, err := time.ParseInLocation("20060102-150405", n[:len("20060102-150405")], time.Local); err == nil {
			if at.IsZero() || t.Before(at) {
				at = t
			}
		}
	}
	return at
}

// setAside renames the database at path (with its -wal and -shm) to kept.
func setAside(path, kept string) error {
	for _, sfx := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(path+sfx, kept+sfx); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("set the current database aside: %w", err)
		}
	}
	return nil
}

func removeDBFiles(p string) {
	for _, sfx := range []string{"", "-journal", "-wal", "-shm"} {
		_ = os.Remove(p + sfx)
	}
}

// openSource opens a possibly damaged database read-only: with its WAL
// when that works, else the main file alone.
func openSource(ctx context.Context, path string) (*sql.DB, error) {
	register()
	var errs []error
	for _, q := range []string{"mode=ro", "mode=ro&immutable=1"} {
		db, err := sql.Open(driverName, "file:"+path+"?"+q)
		if err == nil {
			db.SetMaxOpenConns(1)
			var n int
			if err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err == nil {
				return db, nil
			}
			_ = db.Close()
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("cannot read the file's table list: %w", errors.Join(errs...))
}

// openScratch opens a database being built (rollback journal, no foreign
// key checks while rows are copied in any order).
func openScratch(ctx context.Context, path string) (*sql.DB, error) {
	register()
	q := url.Values{}
	q.Set("mode", "rwc")
	q.Set("_journal_mode", "DELETE")
	q.Set("_foreign_keys", "off")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	db, err := sql.Open(driverName, "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("restrict %s: %w", path, err)
	}
	return db, nil
}

func closeScratch(db *sql.DB) error {
	var res string
	if err := db.QueryRow("PRAGMA quick_check").Scan(&res); err != nil || res != "ok" {
		_ = db.Close()
		if err == nil {
			err = errors.New(res)
		}
		return fmt.Errorf("the new database failed its check: %w", err)
	}
	return db.Close()
}

func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func columns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

type copyMode int

const (
	modeSalvage copyMode = iota // into an empty database: every readable row
	modeCarry                   // into a restored backup: rows it lacks, and later states of its calls
)

type copied struct {
	copied, lost    int
	unreadable      bool // the table (or its end) could not be read at all
	lossSeen        bool
	beforeFirstLoss time.Time // calls: received_at of the last row read before the first loss
}

// createdAt is when the database in dataDir was made, as far as can be
// told: the marker's time, else the file's.
func createdAt(dataDir, path string) time.Time {
	for _, p := range []string{filepath.Join(dataDir, MarkerName), path} {
		if fi, err := os.Stat(p); err == nil {
			return fi.ModTime()
		}
	}
	return time.Now()
}

// maxProbe: after a damaged page, single rowids are tried this far past
// the last row read (or up to the table's highest rowid, when that is
// nearer: a damaged page may also make the highest rowid read as junk).
const maxProbe = 20000

// copyTable copies the readable rows of table from src into dst.
func copyTable(ctx context.Context, src, dst *sql.DB, table string, mode copyMode) (copied, error) {
	var res copied
	dcols, err := columns(ctx, dst, table)
	if err != nil {
		return res, fmt.Errorf("columns of %s: %w", table, err)
	}
	scols, err := columns(ctx, src, table)
	if err != nil || len(scols) == 0 {
		res.unreadable = err != nil
		return res, nil // the table is unreadable or did not exist then
	}
	var cols []string
	for _, c := range dcols {
		if slices.Contains(scols, c) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return res, nil
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	list := strings.Join(quoted, ", ")
	recv := slices.Index(cols, "received_at")
	selectFrom := `SELECT rowid, ` + list + ` FROM "` + table + `"`
	insert := `INSERT OR IGNORE INTO "` + table + `" (` + list + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)`
	if mode == modeCarry && table == "calls" {
		// A call the backup has is updated only when it is the same call
		// (same source, id and arrival) and the replaced file saw it later.
		var set []string
		for _, c := range quoted {
			if c != `"id"` {
				set = append(set, c+" = excluded."+c)
			}
		}
		insert = `INSERT INTO calls (` + list + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)
			ON CONFLICT(id) DO UPDATE SET ` + strings.Join(set, ", ") + `
			WHERE calls.source = excluded.source AND calls.call_id IS excluded.call_id
			AND calls.received_at = excluded.received_at AND excluded.updated_at > calls.updated_at`
	}
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("copy %s: %w", table, err)
	}
	defer func() { _ = tx.Rollback() }()
	ins, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return res, fmt.Errorf("copy %s: %w", table, err)
	}
	defer ins.Close()

	var top sql.NullInt64 // the highest rowid, when it can be read
	if err := src.QueryRowContext(ctx, `SELECT max(rowid) FROM "`+table+`"`).Scan(&top); err != nil {
		top = sql.NullInt64{}
	}
	vals := make([]any, len(cols)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	put := func() error {
		res2, err := ins.ExecContext(ctx, vals[1:]...)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil // a row the new schema refuses stays out (counted nowhere)
		}
		if n, _ := res2.RowsAffected(); n > 0 {
			res.copied++
		}
		return nil
	}
	lastRecv := time.Time{}
	noteLoss := func() {
		if !res.lossSeen {
			res.lossSeen = true
			res.beforeFirstLoss = lastRecv // zero: lost before any row was read
		}
	}
	after := int64(-1 << 62)
	for {
		// Scan on from after until the end or a damaged page.
		rows, err := src.QueryContext(ctx, selectFrom+` WHERE rowid > ? ORDER BY rowid`, after)
		if err == nil {
			for rows.Next() {
				if err = rows.Scan(ptrs...); err != nil {
					break
				}
				after = asInt(vals[0])
				if recv >= 0 {
					lastRecv = time.UnixMilli(asInt(vals[recv+1]))
				}
				if err = put(); err != nil {
					_ = rows.Close()
					return res, err
				}
			}
			if err == nil {
				err = rows.Err()
			}
			_ = rows.Close()
		}
		if err == nil {
			break // the end
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		// A damaged page: try the next rowids one by one.
		noteLoss()
		if after < 0 {
			after = 0 // rowids of the tables start at 1
		}
		limit := after + maxProbe
		if top.Valid && top.Int64 < limit {
			limit = top.Int64
		}
		found := false
		pending := 0 // unreadable rowids, counted as lost once known to lie within the table
		for id := after + 1; id <= limit; id++ {
			err := src.QueryRowContext(ctx, selectFrom+` WHERE rowid = ?`, id).Scan(ptrs...)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				pending++
				continue
			}
			res.lost += pending
			after = id
			if recv >= 0 {
				lastRecv = time.UnixMilli(asInt(vals[recv+1]))
			}
			if err := put(); err != nil {
				return res, err
			}
			found = true
			break
		}
		if !found {
			if !top.Valid || limit < top.Int64 {
				res.unreadable = true // how many rows are lost is not known
			} else {
				res.lost += pending
			}
			break
		}
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("copy %s: %w", table, err)
	}
	return res, nil
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

// fixOrphans keeps foreign keys sound after rows were lost: attempts of a
// call that is gone are dropped; a duplicate whose original is gone points
// at itself (so it stays a duplicate, never sent).
func fixOrphans(ctx context.Context, db *sql.DB) error {
	for _, q := range []string{
		`DELETE FROM attempts WHERE call_row NOT IN (SELECT id FROM calls)`,
		`UPDATE calls SET duplicate_of = id WHERE duplicate_of IS NOT NULL AND duplicate_of NOT IN (SELECT id FROM calls)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("tidy the copied rows: %w", err)
		}
	}
	return nil
}

func newestCall(ctx context.Context, db *sql.DB) (time.Time, error) {
	var ms sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(received_at) FROM calls`).Scan(&ms); err != nil {
		return time.Time{}, fmt.Errorf("newest call: %w", err)
	}
	return fromMS(ms), nil
}

func writeGap(ctx context.Context, db *sql.DB, g Gap, now time.Time) error {
	raw, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("record the period to fetch again: %w", err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?,?,?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, SettingGap, string(raw), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("record the period to fetch again: %w", err)
	}
	return nil
}
