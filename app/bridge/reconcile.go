package bridge

// Reconcile with Mango's statistics and backfill (app/reconcile): the loop
// runs while the bridge runs, whatever the source setting, doing work only
// while the VPBX code and signing key are set; its interval follows the
// configuration live. One VPBX client is shared by the recordings sender and
// the reconcile, so Mango's spacing and the lockout guard hold across both.
// A watcher notices calls another process (mangotqm backfill) stored in the
// same data folder and wakes delivery, and a heartbeat tells that process a
// bridge is running.

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"mangotqm/app/mango/vpbx"
	"mangotqm/app/reconcile"
	"mangotqm/store"
)

// EventReconcile: a reconcile run ended (LastReconcile has its result).
const EventReconcile EventKind = "reconcile"

// SettingHeartbeat is where a running bridge notes that it runs (Heartbeat).
const SettingHeartbeat = "bridge.heartbeat"

// Heartbeat is written by a running bridge every HeartbeatEvery and cleared
// when it stops.
type Heartbeat struct {
	PID int       `json:"pid"`
	At  time.Time `json:"at"` // zero: stopped
}

// Watch intervals: the heartbeat, and the check for rows other processes
// stored (a backfill's calls are delivered within this plus one claim).
const (
	HeartbeatEvery = 20 * time.Second
	watchEvery     = 10 * time.Second
)

// Running reports whether h says a bridge runs now: its last beat is
// younger than three intervals.
func (h Heartbeat) Running(now time.Time) bool {
	return !h.At.IsZero() && now.Sub(h.At) < 3*HeartbeatEvery
}

type reconcileState struct {
	mu        sync.Mutex
	client    *vpbx.Client
	clientURL string
	engine    *reconcile.Engine
	loop      *reconcile.Loop
	cancel    context.CancelFunc
	done      chan struct{}
}

// vpbxClient is the one VPBX API client for url (a new one when the VPBX
// address changed).
func (b *Bridge) vpbxClient(url string) *vpbx.Client {
	b.rec.mu.Lock()
	defer b.rec.mu.Unlock()
	if b.rec.client == nil || b.rec.clientURL != url {
		b.rec.client = &vpbx.Client{BaseURL: url, Credentials: VPBXCredentialSource(b.opts.Secrets), Logger: b.log.With("part", "vpbx")}
		b.rec.clientURL = url
	}
	return b.rec.client
}

// liveStats sends the reconcile's requests through the client of the VPBX
// address in effect.
type liveStats struct{ b *Bridge }

func (l liveStats) c() *vpbx.Client { return l.b.vpbxClient(l.b.Config().VPBXURL) }

func (l liveStats) StatsRequest(ctx context.Context, from, to time.Time, f vpbx.StatsFilter) (string, error) {
	return l.c().StatsRequest(ctx, from, to, f)
}

func (l liveStats) StatsResult(ctx context.Context, key string) ([]vpbx.StatsRow, bool, error) {
	return l.c().StatsResult(ctx, key)
}

func (l liveStats) LockedOut() *vpbx.LockoutError { return l.c().LockedOut() }

// reconcileEngine returns the bridge's engine (made on first use).
func (b *Bridge) reconcileEngine() *reconcile.Engine {
	b.rec.mu.Lock()
	defer b.rec.mu.Unlock()
	if b.rec.engine == nil {
		b.rec.engine = reconcile.New(reconcile.Config{
			Stats:  liveStats{b},
			Store:  b.store,
			Logger: b.log.With("part", "reconcile"),
			Decide: b.decide,
			OnStored: func([]int64) {
				b.worker.Wake()
				b.publish(Event{Kind: EventCall})
			},
		})
	}
	return b.rec.engine
}

// vpbxReady reports whether the VPBX code and signing key are set.
func (b *Bridge) vpbxReady(ctx context.Context) bool {
	_, err := VPBXCredentialSource(b.opts.Secrets)(ctx)
	return err == nil
}

// startReconcile starts the reconcile loop, the watcher of other
// processes' rows and the heartbeat (Start calls it).
func (b *Bridge) startReconcile() {
	if b.opts.Demo {
		return
	}
	poll, every := b.loopMode() // road.go: the poll road polls
	loop := reconcile.NewLoop(b.reconcileEngine(), every, b.vpbxReady,
		func(res reconcile.Result) { b.afterReconcile(res); b.publish(Event{Kind: EventReconcile}) }).WithPoll(poll)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.rec.mu.Lock()
	b.rec.loop, b.rec.cancel, b.rec.done = loop, cancel, done
	b.rec.mu.Unlock()
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); loop.Run(ctx) }()
		go func() { defer wg.Done(); b.watchOthers(ctx) }()
		wg.Wait()
	}()
}

// stopReconcile stops what startReconcile started and clears the
// heartbeat (Close calls it before closing the database).
func (b *Bridge) stopReconcile() {
	b.rec.mu.Lock()
	cancel, done := b.rec.cancel, b.rec.done
	b.rec.cancel = nil
	b.rec.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if err := b.store.SetSetting(ctx, SettingHeartbeat, Heartbeat{PID: os.Getpid()}); err != nil {
		b.log.Warn("cannot clear the heartbeat", "err", err)
	}
}

// watchOthers beats the heartbeat and wakes delivery when another process
// stored calls (a row id above the highest seen).
func (b *Bridge) watchOthers(ctx context.Context) {
	last, err := b.store.LastRowID(ctx)
	if err != nil {
		b.log.Warn("cannot read the last call row", "err", err)
	}
	var beat time.Time
	for {
		now := b.opts.Clock.Now()
		if now.Sub(beat) >= HeartbeatEvery {
			if err := b.store.SetSetting(ctx, SettingHeartbeat, Heartbeat{PID: os.Getpid(), At: now}); err != nil && ctx.Err() == nil {
				b.log.Warn("cannot write the heartbeat", "err", err)
			}
			beat = now
		}
		if id, err := b.store.LastRowID(ctx); err == nil && id > last {
			last = id
			b.worker.Wake()
			b.publish(Event{Kind: EventCall})
		}
		if b.opts.Clock.Sleep(ctx, watchEvery) != nil {
			return
		}
	}
}

// reconcileNow asks for a run now (the VPBX key may just have been saved).
func (b *Bridge) reconcileNow() {
	b.rec.mu.Lock()
	loop := b.rec.loop
	b.rec.mu.Unlock()
	if loop != nil {
		loop.Trigger()
	}
}

// LastReconcile returns the last reconcile run's result (ok false before
// the first run, or when reconcile is off or the VPBX key is not set).
func (b *Bridge) LastReconcile() (reconcile.Result, bool) {
	b.rec.mu.Lock()
	loop := b.rec.loop
	b.rec.mu.Unlock()
	if loop == nil {
		return reconcile.Result{}, false
	}
	return loop.Last()
}

// ErrNoVPBX: the VPBX code and signing key are not set, so Mango's call
// history cannot be read.
var ErrNoVPBX = errors.New("the Mango VPBX code and signing key are not set")

// Backfill stores the calls of [from, to) that Mango has and the bridge
// does not (see reconcile.Engine.Backfill); a running bridge delivers them.
func (b *Bridge) Backfill(ctx context.Context, from, to time.Time, report func(reconcile.Progress)) (reconcile.Progress, error) {
	if !b.vpbxReady(ctx) {
		return reconcile.Progress{From: from, To: to}, ErrNoVPBX
	}
	return b.reconcileEngine().Backfill(ctx, from, to, report)
}

// ReadHeartbeat reads the heartbeat of a bridge on st's data folder.
func ReadHeartbeat(ctx context.Context, st *store.Store) (Heartbeat, error) {
	var h Heartbeat
	_, err := st.GetSetting(ctx, SettingHeartbeat, &h)
	return h, err
}
