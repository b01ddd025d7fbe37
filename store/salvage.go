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
	"fmt"
	"mangotqm/app/clock"
	"os"
	"path/filepath"
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
	now := clock.Real{}.Now() // no Store is open here: the files are stamped with the wall time
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
