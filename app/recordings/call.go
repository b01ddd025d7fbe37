package recordings

import (
	"encoding/json"
	"strconv"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
	"mangotqm/app/mapping"
)

// call is what the sender needs to know about a stored call.
type call struct {
	row      int64
	tqmID    string
	entryID  string
	caller   string
	start    time.Time
	end      time.Time
	dur      time.Duration
	durKnown bool
	missed   bool
	link     string
	deadline time.Time
}

func (s *Sender) describe(c calls.Call, fields []mapping.Field) call {
	var p mango.Params
	_ = json.Unmarshal([]byte(c.Params), &p)
	out := call{row: c.ID, entryID: calls.EntryIDOf(c.Source, c.CallID, c.Params)}
	for _, f := range fields {
		switch f.Name {
		case mapping.FieldID:
			out.tqmID = f.Value
		case mapping.FieldFileLink:
			out.link = f.Value
		}
	}
	if out.link == "" {
		out.link = p.Get(mango.AliasRecording...)
	}
	out.caller = c.Caller
	if out.caller == "" {
		out.caller = p.Get(mango.AliasCaller...)
	}
	out.start = c.Started
	if t, err := mango.ParseDate(p.Get(mango.AliasDateStart...), s.cfg.Zone); err == nil {
		out.start = t
	}
	if t, err := mango.ParseDate(p.Get(mango.AliasDateEnd...), s.cfg.Zone); err == nil {
		out.end = t
	}
	if d := p.Get(mango.AliasDuration...); d != "" {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 && n < 1e9 {
			out.dur, out.durKnown = time.Duration(n*float64(time.Second)), true
		}
	}
	if !out.durKnown && !out.start.IsZero() && !out.end.IsZero() && !out.end.Before(out.start) {
		out.dur, out.durKnown = out.end.Sub(out.start), true
	}
	if out.end.IsZero() && !out.start.IsZero() {
		out.end = out.start.Add(out.dur)
	}
	out.missed = p.Get("answered") == "0"
	base := out.end
	if base.IsZero() {
		base = c.Received
	}
	out.deadline = base.Add(s.cfg.GiveUpAfter)
	return out
}

func (c call) short() bool { return c.durKnown && c.dur < MinRecorded }
