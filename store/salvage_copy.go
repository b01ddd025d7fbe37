package store

// The row-by-row reader Salvage and RestoreBackup share: open a damaged
// database, copy every readable row, tidy what the lost rows left behind.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"mangotqm/app/clock"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

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
	out, err := queryStrings(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return out, nil
}

func columns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	return queryStrings(ctx, db, `SELECT name FROM pragma_table_info(?)`, table)
}

// queryStrings returns the first column of every row of q.
func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
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
	return clock.Real{}.Now()
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
