package mangocall

import (
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
	"mangotqm/store"
)

// Webhook turns a calltracking webhook as received into a call to store
// (source "calltracking"): its parameters as received, the caller, group,
// start and duration read tolerantly (mango.Parse; zone is that of dates
// without one). When the call is unusable, err says why and nc is marked
// invalid with that reason (it is stored all the same: nothing is
// dropped). c is the parsed webhook, for the log.
func Webhook(raw mango.Request, zone *time.Location) (nc store.NewCall, c mango.Call, err error) {
	c, err = mango.Parse(raw, zone)
	nc = store.NewCall{Source: calls.SourceCalltracking, Raw: raw.JSON(), Params: c.Params.JSON(),
		Caller: c.Caller, Operator: c.Group, Started: c.Start, Duration: c.Duration,
		Notes: strings.Join(c.Notes, "\n")}
	if err != nil {
		nc.Invalid = calls.ReasonFor(err, calls.CodeLegacy)
		return nc, c, err
	}
	nc.CallID = c.CallID
	nc.TrackingNumber = c.Params.Get("number")
	return nc, c, nil
}
