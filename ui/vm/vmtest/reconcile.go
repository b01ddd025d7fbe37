package vmtest

import (
	"context"
	"sync"
	"time"

	"mangotqm/app/reconcile"
)

// Reconciler adds vm.Reconciler to a Fake: a settable last reconcile and a
// scripted backfill.
type Reconciler struct {
	*Fake

	mu   sync.Mutex
	last reconcile.Result
	has  bool
	// Steps are reported one by one by Backfill; Gate, if set, is waited
	// on before each step (close it or send to let a step through).
	Steps []reconcile.Progress
	Gate  chan struct{}
	Err   error
	asked []time.Time // from, to of each Backfill
}

// NewReconciler wraps f.
func NewReconciler(f *Fake) *Reconciler { return &Reconciler{Fake: f} }

// SetLastReconcile sets what LastReconcile returns.
func (r *Reconciler) SetLastReconcile(res reconcile.Result) {
	r.mu.Lock()
	r.last, r.has = res, true
	r.mu.Unlock()
}

// LastReconcile implements vm.Reconciler.
func (r *Reconciler) LastReconcile() (reconcile.Result, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, r.has
}

// Backfill implements vm.Reconciler: it reports Steps (waiting on Gate
// before each) and returns the last one with Err.
func (r *Reconciler) Backfill(ctx context.Context, from, to time.Time, report func(reconcile.Progress)) (reconcile.Progress, error) {
	r.mu.Lock()
	r.asked = append(r.asked, from, to)
	steps, gate, err := r.Steps, r.Gate, r.Err
	r.mu.Unlock()
	var p reconcile.Progress
	for _, s := range steps {
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return p, ctx.Err()
			}
		}
		p = s
		report(p)
	}
	return p, err
}

// Asked returns the periods Backfill was asked for (from, to pairs).
func (r *Reconciler) Asked() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.asked...)
}
