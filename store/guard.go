package store

// What Open refuses, and why.
//
// A data folder remembers that it held a database: after the first
// successful Open, the marker file MarkerName sits next to the database,
// and backups (BackupDirName) accumulate. If the database file is then
// missing (deleted, moved, a disk swapped) while the marker or a backup is
// there, Open refuses with ErrDatabaseMissing instead of starting a new,
// empty database that would silently hide every stored call: the way back
// is `mangotqm restore --from <backup>`; the way forward, on purpose, is to
// delete the marker. A folder with neither is new: Open creates the
// database there (unless Options.MustExist).
//
// A database that exists is checked with PRAGMA quick_check before it is
// used; a damaged one is refused with ErrDatabaseDamaged, naming the file
// and the newest backup.
//
// Every Open holds a shared advisory lock on LockName for as long as the
// store is open; Restore takes it exclusively, so it refuses while any
// mangotqm process has the database open.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Files next to the database.
const (
	// MarkerName records that the data folder held a database.
	MarkerName = FileName + ".created"
	// LockName is locked (shared) by every open store, exclusively by Restore.
	LockName = FileName + ".lock"
)

// Errors of Open.
var (
	// ErrDatabaseMissing: the folder held a database but the file is gone.
	ErrDatabaseMissing = errors.New("the database file is missing")
	// ErrDatabaseDamaged: the file failed the integrity check.
	ErrDatabaseDamaged = errors.New("the database file is damaged")
	// ErrNoDatabase: Options.MustExist and there is no database yet.
	ErrNoDatabase = errors.New("there is no database here")
	// ErrInUse: Restore found the database open in another process.
	ErrInUse = errors.New("the database is in use")
)

var errLocked = errors.New("locked by another process")

// prepareDir creates dir or tightens an existing one to 0700: the folder
// holds call data. A folder that cannot be tightened is refused.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data folder %s is not a folder", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("data folder %s is readable by other users (mode %v) and cannot be restricted to its owner: %w",
				dir, fi.Mode().Perm(), err)
		}
	}
	return nil
}

// takeLock opens the lock file and locks it (shared for Open).
func takeLock(dir string, exclusive bool) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := lockFile(f, exclusive); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// checkExisting decides whether Open may go on with path: created is true
// when there is no database file and a new one may be created.
func checkExisting(dir, path string, mustExist bool) (created bool, err error) {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Size() > 0:
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("database file: %w", err)
	}
	// Missing, or empty (a crash right after creating it).
	if mustExist {
		return false, fmt.Errorf("%w: %s does not exist (has the bridge run with this data folder?)", ErrNoDatabase, path)
	}
	evidence := ""
	if _, err := os.Stat(filepath.Join(dir, MarkerName)); err == nil {
		evidence = "the marker " + filepath.Join(dir, MarkerName) + " says this folder held one"
	}
	newest := newestBackup(BackupDir(dir))
	if newest != "" && evidence == "" {
		evidence = "its backups are in " + BackupDir(dir)
	}
	if evidence == "" {
		return true, nil
	}
	way := "No backup exists; to start over with an empty database on purpose, delete " + filepath.Join(dir, MarkerName) + "."
	if newest != "" {
		way = fmt.Sprintf("To bring the calls back: mangotqm restore --data-dir %s --from %s (the newest backup). "+
			"To start over with an empty database on purpose, delete %s and the backups.", dir, newest, filepath.Join(dir, MarkerName))
	}
	return false, fmt.Errorf("%w: %s is gone, but %s. Nothing was created. %s", ErrDatabaseMissing, path, evidence, way)
}

// writeMarker records that dir holds a database.
func writeMarker(dir string, now time.Time) error {
	p := filepath.Join(dir, MarkerName)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	txt := "mangotqm created its database in this folder on " + now.Format(time.RFC3339) + ".\n" +
		"While this file exists, mangotqm refuses to start with a missing database (restore a backup instead).\n"
	if err := os.WriteFile(p, []byte(txt), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// quickCheck runs PRAGMA quick_check on db; a damaged file (or one that is
// not a database) gives ErrDatabaseDamaged naming path and the way back.
func quickCheck(ctx context.Context, db *sql.DB, dir, path string) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return damaged(dir, path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return damaged(dir, path, err)
		}
		if line != "ok" && len(problems) < 3 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return damaged(dir, path, err)
	}
	if len(problems) > 0 {
		return damaged(dir, path, fmt.Errorf("quick_check: %v", problems))
	}
	return nil
}

func damaged(dir, path string, cause error) error {
	way := "No backup exists in " + BackupDir(dir)
	if newest := newestBackup(BackupDir(dir)); newest != "" {
		way = fmt.Sprintf("Restore the newest backup: mangotqm restore --data-dir %s --from %s", dir, newest)
	}
	way += fmt.Sprintf(". Or keep what the damaged file still holds: mangotqm restore --data-dir %s --salvage", dir)
	return fmt.Errorf("%w: %s (%v). %s", ErrDatabaseDamaged, path, cause, way)
}
