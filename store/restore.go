package store

// RestoreBackup: a backup put in place, and the calls the replaced
// database still has carried over into it (see salvage.go).

import (
	"context"
	"errors"
	"fmt"
	"mangotqm/app/clock"
	"os"
	"path/filepath"
	"strings"
	"time"
)

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
	now := clock.Real{}.Now() // no Store is open here: the files are stamped with the wall time
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
