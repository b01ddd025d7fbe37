package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Backups: consistent copies of the database made with VACUUM INTO (a
// snapshot that never blocks intake), named mangotqm-YYYYMMDD-HHMMSS*.db,
// in BackupDir; the newest KeepBackups are kept.
const (
	BackupDirName = "backups"
	KeepBackups   = 7
	// BackupEvery is the period of RunBackups in the bridge.
	BackupEvery  = 24 * time.Hour
	backupPrefix = "mangotqm-"
	backupSuffix = ".db"
)

// BackupDir is where backups of the database in dataDir go.
func BackupDir(dataDir string) string { return filepath.Join(dataDir, BackupDirName) }

// Backup writes a consistent copy of the database into dir (created 0700),
// keeps the newest KeepBackups copies there and returns the new file.
func (s *Store) Backup(ctx context.Context, dir string) (string, error) {
	return backupTo(ctx, s.r, dir, s.clock.Now(), "")
}

func backupTo(ctx context.Context, db *sql.DB, dir string, now time.Time, label string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup folder: %w", err)
	}
	name := backupPrefix + now.Format("20060102-150405")
	if label != "" {
		name += "-" + label
	}
	final := filepath.Join(dir, name+backupSuffix)
	for i := 2; exists(final); i++ { // two backups within a second
		final = filepath.Join(dir, fmt.Sprintf("%s-%d%s", name, i, backupSuffix))
	}
	tmp := final + ".partial"
	_ = os.Remove(tmp)
	// An empty file is accepted by VACUUM INTO; creating it first makes
	// the copy private from its first byte.
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		return "", fmt.Errorf("back up the database: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("back up the database to %s: %w", final, err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("back up the database: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("back up the database: %w", err)
	}
	syncDir(dir)
	if err := pruneBackups(dir, KeepBackups); err != nil {
		return final, err
	}
	return final, nil
}

// Backups lists the backups in dir, newest first.
func Backups(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type backup struct {
		path string
		at   time.Time
	}
	var found []backup
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) {
			b := backup{path: filepath.Join(dir, n)}
			if info, err := e.Info(); err == nil {
				b.at = info.ModTime()
			}
			found = append(found, b)
		}
	}
	// Newest first by when it was written: names alone misorder two
	// backups of one second ("…-150405.db" before "…-150405-2.db").
	slices.SortFunc(found, func(a, b backup) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return len(b.path) - len(a.path)
	})
	out := make([]string, len(found))
	for i, b := range found {
		out[i] = b.path
	}
	return out
}

func newestBackup(dir string) string {
	if b := Backups(dir); len(b) > 0 {
		return b[0]
	}
	return ""
}

func pruneBackups(dir string, keep int) error {
	var errs []error
	for i, p := range Backups(dir) {
		if i >= keep {
			if err := os.Remove(p); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove old backups: %w", errors.Join(errs...))
	}
	return nil
}

// RunBackups backs the database up into dir now if the newest backup there
// is older than every (or missing), then every `every`, until ctx ends. A
// failed backup is logged and tried again in an hour. The bridge runs it
// for as long as it runs: go st.RunBackups(ctx, store.BackupDir(dataDir), store.BackupEvery, log).
func (s *Store) RunBackups(ctx context.Context, dir string, every time.Duration, log *slog.Logger) {
	s.RunBackupsReport(ctx, dir, every, log, nil)
}

// RunBackupsReport is RunBackups that also tells report (if set) each
// backup's outcome: the error, or nil when one was made.
func (s *Store) RunBackupsReport(ctx context.Context, dir string, every time.Duration, log *slog.Logger, report func(error)) {
	if report == nil {
		report = func(error) {}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		wait := time.Duration(0)
		if newest := newestBackup(dir); newest != "" {
			if fi, err := os.Stat(newest); err == nil {
				wait = every - s.clock.Now().Sub(fi.ModTime())
			}
		}
		if s.clock.Sleep(ctx, wait) != nil {
			return
		}
		path, err := s.Backup(ctx, dir)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Error("database backup failed; trying again in an hour", "err", err)
			report(err)
			if s.clock.Sleep(ctx, time.Hour) != nil {
				return
			}
			continue
		}
		log.Info("database backed up", "file", path)
		report(nil)
	}
}

// Restore replaces the database in dataDir with the backup from (see
// RestoreBackup) and returns where the replaced database is kept.
func Restore(ctx context.Context, dataDir, from string) (replaced string, err error) {
	res, err := RestoreBackup(ctx, dataDir, from)
	return res.Replaced, err
}

// checkBackup opens from read-only and checks it is a sound mangotqm database.
func checkBackup(ctx context.Context, from string) error {
	fi, err := os.Stat(from)
	if err != nil {
		return fmt.Errorf("backup %s: %w", from, err)
	}
	if !fi.Mode().IsRegular() || fi.Size() == 0 {
		return fmt.Errorf("backup %s is not a database file", from)
	}
	register()
	db, err := sql.Open(driverName, "file:"+from+"?mode=ro&immutable=1")
	if err != nil {
		return fmt.Errorf("backup %s: %w", from, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil || res != "ok" {
		if err == nil {
			err = errors.New(res)
		}
		return fmt.Errorf("backup %s is damaged or not a database: %w", from, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'calls'`).Scan(&n); err != nil || n != 1 {
		return fmt.Errorf("%s is not a mangotqm database (no calls table)", from)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

func syncFile(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename durable (best effort; not possible on Windows).
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync()
		_ = f.Close()
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
