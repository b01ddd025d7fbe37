package recordings

import (
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
	"mangotqm/app/mapping"
)

// call is what the sender needs to know about a stored call: Mango's facts
// (mango.FactsOf) and what the mapping and the clock add.
type call struct {
	mango.Facts
	row      int64
	tqmID    string
	deadline time.Time
}

func (s *Sender) describe(c calls.Call, fields []mapping.Field) call {
	out := call{Facts: mango.FactsOf(c, s.cfg.Zone), row: c.ID}
	for _, f := range fields {
		switch f.Name {
		case mapping.FieldID:
			out.tqmID = f.Value
		case mapping.FieldFileLink:
			if f.Value != "" {
				out.Link = f.Value
			}
		}
	}
	base := out.End
	if base.IsZero() {
		base = c.Received
	}
	out.deadline = base.Add(s.cfg.GiveUpAfter)
	return out
}
