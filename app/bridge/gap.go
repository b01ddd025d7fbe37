package bridge

// The gap a restore or salvage leaves (store.Gap): when the bridge starts
// on a database that has one, it backfills the period from Mango's call
// history by itself — with the VPBX code and key set — through the same
// engine as «Загрузить звонки за период…» (nothing is stored twice), logs
// the counts and clears the gap. Without the key it raises an incident
// naming the exact period and tries again when the key is saved.

import (
	"context"
	"errors"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/reconcile"
	"mangotqm/store"
)

// EventGap: the gap's backfill started, progressed or ended (GapStatus).
const EventGap EventKind = "gap"

// IncidentGap: calls of a period may be missing after a restore and the
// VPBX key to fetch them is not set.
const IncidentGap = "restore_gap"

// gapRetry is the wait before a failed gap backfill is tried again.
const gapRetry = 5 * time.Minute

// GapStatus is the state of the gap's backfill.
type GapStatus struct {
	Gap      store.Gap
	Open     bool // a gap is recorded and not yet backfilled
	Running  bool
	Closed   bool // backfilled by this bridge
	NoVPBX   bool // waiting for the VPBX code and key
	Progress reconcile.Progress
	Err      error // the last attempt failed (tried again later)
}

type gapState struct {
	mu     sync.Mutex
	st     GapStatus
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// GapStatus returns the state of the gap's backfill.
func (b *Bridge) GapStatus() GapStatus {
	b.gap.mu.Lock()
	defer b.gap.mu.Unlock()
	return b.gap.st
}

func (b *Bridge) setGap(f func(*GapStatus)) {
	b.gap.mu.Lock()
	f(&b.gap.st)
	b.gap.mu.Unlock()
	b.publish(Event{Kind: EventGap})
}

// startGap starts closing the gap, if the database has one (Start calls it).
func (b *Bridge) startGap() {
	if b.opts.Demo {
		return
	}
	g, ok, err := b.store.Gap(context.Background())
	if err != nil {
		b.log.Warn("cannot read the period to fetch again after a restore", "err", err)
		return
	}
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.gap.mu.Lock()
	b.gap.st = GapStatus{Gap: g, Open: true}
	b.gap.kick = make(chan struct{}, 1)
	b.gap.cancel, b.gap.done = cancel, make(chan struct{})
	kick, done := b.gap.kick, b.gap.done
	b.gap.mu.Unlock()
	until := b.opts.Clock.Now() // from here on the bridge receives the calls itself
	go func() {
		defer close(done)
		b.closeGap(ctx, g, until, kick)
	}()
}

// gapNow tries the gap again at once (the VPBX key may just have been saved).
func (b *Bridge) gapNow() {
	b.gap.mu.Lock()
	kick := b.gap.kick
	b.gap.mu.Unlock()
	if kick != nil {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
}

// stopGap stops the gap's backfill (Close calls it); what was stored stays
// and the gap stays recorded until it is backfilled.
func (b *Bridge) stopGap() {
	b.gap.mu.Lock()
	cancel, done := b.gap.cancel, b.gap.done
	b.gap.cancel = nil
	b.gap.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (b *Bridge) closeGap(ctx context.Context, g store.Gap, until time.Time, kick <-chan struct{}) {
	moscow := func(t time.Time) string { return t.In(calls.Moscow()).Format("02.01.2006 15:04") }
	period := map[string]any{"From": moscow(g.From), "To": moscow(until)}
	wait := func(d time.Duration) bool {
		var tick <-chan time.Time
		if d > 0 {
			tick = b.opts.Clock.After(d)
		}
		select {
		case <-ctx.Done():
			return false
		case <-kick:
		case <-tick:
		}
		return true
	}
	for {
		if !b.vpbxReady(ctx) {
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("calls of a period may be missing after the restore; set the Mango VPBX code and key to fetch them",
				"cause", g.Cause, "from", g.From, "to", until)
			b.setGap(func(s *GapStatus) { s.NoVPBX, s.Running = true, false })
			b.incident(IncidentGap, true, b.text("restore.gap.no_vpbx", period))
			if !wait(0) {
				return
			}
			continue
		}
		b.setGap(func(s *GapStatus) { s.NoVPBX, s.Running, s.Err = false, true, nil })
		b.incident(IncidentGap, false, "")
		b.log.Info("fetching the calls of the period after the restore from Mango", "cause", g.Cause, "from", g.From, "to", until)
		p, err := b.reconcileEngine().Backfill(ctx, g.From, until, func(p reconcile.Progress) {
			b.setGap(func(s *GapStatus) { s.Progress = p })
		})
		if errors.Is(err, reconcile.ErrEmptyPeriod) {
			err = nil
		}
		if err == nil {
			err = b.store.CloseGap(context.Background())
		}
		if err == nil {
			b.log.Info("the period after the restore is complete", "from", g.From, "to", until, "found", p.Found,
				"new", p.New, "known", p.Known, "skipped", p.Skipped)
			b.setGap(func(s *GapStatus) { s.Progress, s.Running, s.Open, s.Closed = p, false, false, true })
			return
		}
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("fetching the period after the restore failed; trying again", "err", err, "in", gapRetry,
			"new_so_far", p.New)
		b.setGap(func(s *GapStatus) { s.Running, s.Err = false, err })
		if !wait(gapRetry) {
			return
		}
	}
}

// ErrDatabaseDamaged: the database file failed its check (Open refuses it;
// Salvage or RestoreBackup are the ways out).
var ErrDatabaseDamaged = store.ErrDatabaseDamaged

// RestoreBackup puts the backup from in place of the database in dataDir
// (no bridge may have it open: Close the running one first), carrying over
// what the replaced database still knows; a bridge opened on it then
// fetches the gap (GapStatus).
func RestoreBackup(ctx context.Context, dataDir, from string) (store.RestoreResult, error) {
	return store.RestoreBackup(ctx, dataDir, from)
}

// Salvage copies what the damaged database in dataDir still holds into a
// new one (no bridge may have it open); a bridge opened on it then fetches
// the gap.
func Salvage(ctx context.Context, dataDir string) (store.SalvageResult, error) {
	return store.Salvage(ctx, dataDir)
}

// BackupsIn lists the backups of the database in dataDir, newest first
// (when no bridge could open it).
func BackupsIn(dataDir string) []string { return store.Backups(store.BackupDir(dataDir)) }
