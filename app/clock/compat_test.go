package clock_test

import (
	"mangotqm/app/clock"
	"mangotqm/app/reconcile"
)

// reconcile has its own Clock (app/reconcile belongs to another change):
// both have the same methods, so reconcile.Clock can become an alias of
// clock.Clock and RealClock of clock.Real without touching its callers.
var (
	_ clock.Clock     = reconcile.RealClock{}
	_ reconcile.Clock = clock.Real{}
	_ reconcile.Clock = clock.Clock(nil)
)
