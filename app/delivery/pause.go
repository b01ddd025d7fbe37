package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"mangotqm/app/clock"
	"sync"
	"time"

	"mangotqm/store"
)

// pause is whether sending is paused, and why. It is a value with named
// transitions, as a circuit breaker is: sending ⇄ paused by the user,
// sending or paused → paused for a rejected key, anything → sending.
// Receiving is never paused.
type pause struct {
	reason string    // "" while sending; store.PauseByUser, store.PauseByKeyRejected
	keyFP  string    // fingerprint of the rejected key
	since  time.Time // when sending was paused
	status int       // HTTP status of the rejection
	saved  bool      // the pause is in the PauseStore
}

func (p pause) paused() bool { return p.reason != "" }

// byUser: the user paused sending (a pause already in place stays as it is).
func (p pause) byUser(now time.Time) pause {
	if p.paused() {
		return p
	}
	return pause{reason: store.PauseByUser, since: now}
}

// keyRejected: TQM rejected the key fp with HTTP status. changed is false
// when sending was already paused for that very key.
func (p pause) keyRejected(fp string, status int, now time.Time) (next pause, changed bool) {
	since := now
	if p.paused() {
		since = p.since
	}
	same := p.reason == store.PauseByKeyRejected && p.keyFP == fp
	return pause{reason: store.PauseByKeyRejected, keyFP: fp, since: since, status: status, saved: p.saved}, !same
}

// restored: the pause saved by an earlier run (a paused flag without a
// reason is the user's).
func (p pause) restored(s store.Pause) pause {
	if !s.Paused {
		return p
	}
	reason := s.Reason
	if reason == "" {
		reason = store.PauseByUser
	}
	return pause{reason: reason, keyFP: s.KeyFingerprint, since: s.Since, status: s.HTTPStatus, saved: true}
}

// resumed: sending again.
func (pause) resumed() pause { return pause{} }

// stored is the pause as the PauseStore keeps it.
func (p pause) stored() store.Pause {
	if !p.paused() {
		return store.Pause{}
	}
	return store.Pause{Paused: true, Reason: p.reason, KeyFingerprint: p.keyFP, Since: p.since.UTC(), HTTPStatus: p.status}
}

// gate holds the worker's pause and carries out its transitions: it saves
// them, tells the window, and lets the loop wait for a resume.
type gate struct {
	store    PauseStore                                // nil: not saved
	keyFP    func(ctx context.Context) (string, error) // nil: the key cannot be compared
	clock    clock.Clock
	log      *slog.Logger
	onPause  func()
	onResume func()
	incident func(kind string, open bool, msg string)
	wake     func()

	mu      sync.Mutex
	p       pause
	resumeC chan struct{} // closed on resume
}

func newGate(cfg Config, wake func()) *gate {
	return &gate{store: cfg.Pauses, keyFP: cfg.KeyFingerprint, clock: cfg.Clock, log: cfg.Logger,
		onPause: cfg.OnPause, onResume: cfg.OnResume, incident: cfg.OnIncident, wake: wake,
		resumeC: make(chan struct{})}
}

func (g *gate) get() pause {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.p
}

// waitC says whether sending is paused, and gives the channel closed on
// the next resume.
func (g *gate) waitC() (bool, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.p.paused(), g.resumeC
}

// setLocked moves to next; a move to sending releases the waiters.
func (g *gate) setLocked(next pause) {
	if g.p.paused() && !next.paused() {
		close(g.resumeC)
		g.resumeC = make(chan struct{})
	}
	g.p = next
}

// pauseByUser pauses or resumes sending for the window's flag (the caller
// saves the flag).
func (g *gate) pauseByUser(paused bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if paused {
		g.setLocked(g.p.byUser(g.clock.Now()))
		return
	}
	g.setLocked(g.p.resumed())
}

// resume clears the saved pause, then resumes and tells everyone.
func (g *gate) resume(ctx context.Context) error {
	if g.store != nil {
		if err := g.store.SavePause(ctx, store.Pause{}); err != nil {
			return fmt.Errorf("save that delivery resumed: %w", err)
		}
	}
	g.resumed("delivery resumed")
	return nil
}

// resumed resumes in memory and tells everyone (if sending was paused).
func (g *gate) resumed(why string, attrs ...any) {
	g.mu.Lock()
	was := g.p.paused()
	g.setLocked(g.p.resumed())
	g.mu.Unlock()
	if !was {
		return
	}
	g.log.Info(why, attrs...)
	g.tell(IncidentKeyRejected, false, "")
	if g.onResume != nil {
		g.onResume()
	}
	g.wake()
}

// keyRejected pauses sending after TQM rejected the key fp.
func (g *gate) keyRejected(ctx context.Context, fp string, status int) {
	g.mu.Lock()
	next, changed := g.p.keyRejected(fp, status, g.clock.Now())
	g.setLocked(next)
	g.mu.Unlock()
	if !changed {
		return
	}
	if g.onPause != nil {
		g.onPause() // first: the saved reason must be newer than the flag OnPause may write
	}
	if g.store == nil {
		return
	}
	if err := g.store.SavePause(ctx, next.stored()); err != nil {
		g.log.Error("cannot save the delivery pause; it holds until the app stops", "err", err)
		return
	}
	g.mu.Lock()
	if g.p.reason == next.reason && g.p.keyFP == next.keyFP {
		g.p.saved = true
	}
	g.mu.Unlock()
}

// restore reads the saved pause at start and says at once whether sending
// is paused and why.
func (g *gate) restore(ctx context.Context) {
	if g.store != nil {
		s, err := g.store.LoadPause(ctx)
		if err != nil {
			g.log.Warn("cannot read the saved delivery pause", "err", err)
		} else {
			g.mu.Lock()
			g.setLocked(g.p.restored(s))
			g.mu.Unlock()
		}
	}
	p := g.get()
	switch {
	case !p.paused():
	case p.reason == store.PauseByKeyRejected && g.keyFP == nil:
		// The key cannot be compared with the rejected one: try once; a key
		// still wrong pauses again at the first answer.
		g.resumed("delivery was paused because TQM rejected the access key; the key cannot be compared here, so one call is sent to check it",
			"paused_since", p.since)
	case p.reason == store.PauseByKeyRejected:
		g.log.Warn("delivery is paused: TQM rejected the access key; it resumes by itself once the key is changed (or run: mangotqm resume)",
			"paused_since", p.since)
		g.check(ctx)
	default:
		g.log.Warn("delivery is paused (by the user); webhooks are still received and stored", "paused_since", p.since)
	}
}

// watch re-checks a pause every `every` until ctx ends.
func (g *gate) watch(ctx context.Context, every time.Duration) {
	for g.clock.Sleep(ctx, every) == nil {
		if g.get().paused() {
			g.check(ctx)
		}
	}
}

// check resumes when the saved pause was cleared elsewhere (mangotqm
// resume), or when the rejected key has been replaced.
func (g *gate) check(ctx context.Context) {
	p := g.get()
	if g.store != nil && p.saved {
		s, err := g.store.LoadPause(ctx)
		if err == nil && !s.Paused {
			g.resumed("the saved pause was cleared (mangotqm resume); delivery resumed")
			return
		}
	}
	if p.reason != store.PauseByKeyRejected || g.keyFP == nil {
		return
	}
	fp, err := g.keyFP(ctx)
	if err != nil || fp == p.keyFP {
		return
	}
	if g.store != nil {
		if err := g.store.SavePause(ctx, store.Pause{}); err != nil {
			g.log.Error("the TQM key was changed, but resuming cannot be saved; staying paused", "err", err)
			return
		}
	}
	g.resumed("the TQM access key was changed since TQM rejected it; delivery resumed")
}

func (g *gate) tell(kind string, open bool, msg string) {
	if g.incident != nil {
		g.incident(kind, open, msg)
	}
}
