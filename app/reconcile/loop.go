package reconcile

import (
	"context"
	"sync"
	"time"
)

// Loop reconciles at start and then every Every (0 = off), while ready
// says the VPBX code and signing key are set. The interval can change
// while it runs (SetEvery).
type Loop struct {
	e        *Engine
	ready    func(ctx context.Context) bool
	onResult func(Result)

	changed chan struct{}
	trigger chan struct{}

	mu    sync.Mutex
	every time.Duration
	poll  bool // the poll road: each run is a Poll, not a Reconcile
	last  Result
	has   bool
}

// NewLoop returns a loop over e. ready (nil = always) is asked before each
// run; onResult (optional) is told every run's result.
func NewLoop(e *Engine, every time.Duration, ready func(ctx context.Context) bool, onResult func(Result)) *Loop {
	if ready == nil {
		ready = func(context.Context) bool { return true }
	}
	return &Loop{e: e, ready: ready, onResult: onResult, every: every,
		changed: make(chan struct{}, 1), trigger: make(chan struct{}, 1)}
}

// Every returns the interval in effect.
func (l *Loop) Every() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.every
}

// SetEvery changes the interval; the next run is d after now (at once
// when reconcile was off).
func (l *Loop) SetEvery(d time.Duration) {
	l.mu.Lock()
	l.every = d
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// WithPoll sets the poll road's mode before Run (no extra run).
func (l *Loop) WithPoll(poll bool) *Loop {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.poll = poll
	return l
}

// SetPoll switches between the poll road (poll true: each run is
// Engine.Poll, every d) and the usual reconcile (every d, 0 = off). A
// switch runs at once; the same mode with a new interval is SetEvery.
func (l *Loop) SetPoll(poll bool, d time.Duration) {
	l.mu.Lock()
	switched := l.poll != poll
	l.poll = poll
	l.mu.Unlock()
	l.SetEvery(d)
	if switched {
		l.Trigger()
	}
}

// Polling reports whether the loop runs the poll road.
func (l *Loop) Polling() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.poll
}

// Trigger asks for a run now (e.g. the VPBX key was just saved).
func (l *Loop) Trigger() {
	select {
	case l.trigger <- struct{}{}:
	default:
	}
}

// Last returns the last run's result (ok false before the first run).
func (l *Loop) Last() (Result, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last, l.has
}

// Run reconciles until ctx ends.
func (l *Loop) Run(ctx context.Context) {
	runNow := true
	for {
		every := l.Every()
		if runNow && every > 0 && l.ready(ctx) {
			var res Result
			if l.Polling() {
				res = l.e.Poll(ctx)
			} else {
				res = l.e.Reconcile(ctx)
			}
			if ctx.Err() != nil {
				return
			}
			l.mu.Lock()
			l.last, l.has = res, true
			l.mu.Unlock()
			if l.onResult != nil {
				l.onResult(res)
			}
		}
		runNow = false
		var tick <-chan time.Time
		if every > 0 {
			tick = l.e.cfg.Clock.After(every)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
			runNow = true
		case <-l.trigger:
			runNow = true
		case <-l.changed:
			runNow = every == 0 && l.Every() > 0
		}
	}
}
