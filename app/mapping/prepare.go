package mapping

import (
	"encoding/json"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
)

// Prepared is a stored call made ready for TQM.
type Prepared struct {
	// Call is the call with its parameters read again from its raw
	// webhook (see Prepare); the sender takes this one.
	Call    calls.Call
	Fields  []Field  // the request's fields, in order
	Request string   // the mapped request as JSON (no secrets), kept with the call
	TQMID   string   // the id the call gets at TQM
	Notes   []string // what the mapping noted (English), for the log
}

// PrepareOptions: the moment of the try, and whether the call goes to TQM
// by link (fileLink must then be present).
type PrepareOptions struct {
	Now              time.Time
	FileLinkRequired bool
}

// Prepare makes a stored call ready for TQM: a calltracking call's
// parameters are read again from its raw webhook with today's parser (see
// Reparse), then mapped with cfg and validated. problem is not zero when
// the call cannot be sent as it is; Request is then set if the mapping
// went that far.
func Prepare(cfg Config, c calls.Call, o PrepareOptions) (p Prepared, problem calls.Reason) {
	c = Reparse(c)
	p.Call = c
	params, err := c.ParametersErr()
	if err != nil {
		return p, calls.NewReason(calls.CodeParamsUnreadable, calls.ArgError, err.Error())
	}
	res, err := Apply(cfg, params)
	if err != nil {
		return p, calls.ReasonFor(err, calls.CodeLegacy)
	}
	p.Notes = res.Notes
	b, _ := json.Marshal(res)
	p.Request = string(b)
	if err := Validate(res, ValidateOptions{Now: o.Now, TimeZone: cfg.TimeZone,
		FileLinkRequired: o.FileLinkRequired}); err != nil {
		return p, calls.ReasonFor(err, calls.CodeLegacy)
	}
	p.Fields, p.TQMID = res.Fields, res.Get(FieldID)
	return p, calls.Reason{}
}

// Reparse reads a calltracking call's parameters again from its raw
// request with today's parser, over the stored ones (which keep anything
// merged in later): a call stored as invalid, or with parameters an older
// parser dropped, is mapped from everything it carried.
func Reparse(c calls.Call) calls.Call {
	if c.Source != calls.SourceCalltracking || c.Raw == "" {
		return c
	}
	var req mango.Request
	if json.Unmarshal([]byte(c.Raw), &req) != nil || (req.Query == "" && req.Body == "" && req.BodyBase64 == nil) {
		return c
	}
	if req.BodyBase64 != nil {
		req.Body = string(req.BodyBase64)
	}
	parsed, _ := mango.Parse(req, time.UTC) // its error is about the call, not about reading it
	if len(parsed.Params) == 0 {
		return c
	}
	p := c.Parameters()
	changed := false
	for k, v := range parsed.Params {
		if old, ok := p[k]; !ok || old != v {
			p[k], changed = v, true
		}
	}
	if !changed {
		return c
	}
	if b, err := json.Marshal(p); err == nil {
		c.Params = string(b)
	}
	return c
}
