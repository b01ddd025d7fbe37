package demo

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Scenario is a kind of simulated call: what a user can try in demo mode
// before it happens for real.
type Scenario string

// Scenarios of demo mode.
const (
	ScenarioNormal    Scenario = "normal"    // delivered at once
	ScenarioRetry     Scenario = "retry"     // TQM answers 503 once; delivered on the next try
	ScenarioFailed    Scenario = "failed"    // TQM answers 503 to every try: the call ends failed
	ScenarioAttention Scenario = "attention" // no recording link in the webhook: needs attention
	ScenarioInvalid   Scenario = "invalid"   // a malformed webhook (no call id): kept as invalid
	ScenarioMissed    Scenario = "missed"    // nobody answered: skipped by the import rules (answered only)
)

// Scenarios lists every scenario, in menu order.
var Scenarios = []Scenario{ScenarioNormal, ScenarioRetry, ScenarioFailed, ScenarioAttention, ScenarioInvalid, ScenarioMissed}

// Schedule is demo mode's retry schedule: the real one's shape (a quick
// retry, then longer waits), in seconds instead of hours, so a retry and
// a call that fails for good can be watched in under a minute.
var Schedule = []time.Duration{3 * time.Second, 5 * time.Second, 8 * time.Second}

// SimulateScenario sends one webhook that goes the way s says, through the
// real receiver, delivery and sandbox TQM, and returns the stored row.
// The sandbox's injected failures apply to its next answers, so two
// scenarios run at the same moment may swap who meets them.
func (d *Demo) SimulateScenario(ctx context.Context, s Scenario) (int64, error) {
	q := realistic(d.clock.Now())
	switch s {
	case ScenarioNormal:
	case ScenarioRetry:
		d.tqm.FailNext(1, http.StatusServiceUnavailable)
	case ScenarioFailed:
		d.tqm.FailNext(len(Schedule)+1, http.StatusServiceUnavailable)
	case ScenarioAttention:
		q.Del("recordUrl") // the sandbox TQM takes calls by link: no link, nothing to send
	case ScenarioInvalid:
		q.Del("callId")
	case ScenarioMissed:
		q.Set("duration", "0")
		q.Set("callStatus", "1111")
	default:
		return 0, fmt.Errorf("unknown demo scenario %q", s)
	}
	return d.send(ctx, q)
}
