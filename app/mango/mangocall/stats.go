package mangocall

import (
	"encoding/json"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
	"mangotqm/app/mango/vpbx"
	"mangotqm/store"
)

// Calls skipped at import get the reasons the recordings sender gives for
// the same calls at delivery (mango.NoRecording: calls.CodeMissed, a call
// without a recording that nobody answered; calls.CodeShort, too short to
// be recorded); deciding at import saves a stats search per call, which
// matters for a backfill.

// Direction of a statistics row. The basic statistics have no direction
// column; it follows from which sides are employees (extensions): both →
// internal, the caller → outbound, else inbound.
func direction(r vpbx.StatsRow) int {
	switch {
	case r.FromExtension != "" && r.ToExtension != "":
		return vpbx.DirectionInternal
	case r.FromExtension != "":
		return vpbx.DirectionOutbound
	}
	return vpbx.DirectionInbound
}

// StatsRow turns one row of Mango's basic statistics into a call to import
// with source src, by the rules of a VPBX events/summary
// (Summary): the same parameters, internal calls skipped.
// Besides, a call without recordings is skipped when nobody answered or it
// was too short to be recorded. ok is false for a row without an entry id.
func StatsRow(r vpbx.StatsRow, src calls.Source) (c store.MangoCall, ok bool) {
	if strings.TrimSpace(r.EntryID) == "" {
		return store.MangoCall{}, false
	}
	ev := &vpbx.SummaryEvent{
		EntryID:          strings.TrimSpace(r.EntryID),
		CallDirection:    direction(r),
		From:             vpbx.Party{Extension: r.FromExtension, Number: r.FromNumber},
		To:               vpbx.Party{Extension: r.ToExtension, Number: r.ToNumber},
		LineNumber:       r.LineNumber,
		CreateTime:       r.Start,
		TalkTime:         r.Answer,
		EndTime:          r.Finish,
		DisconnectReason: r.DisconnectReason,
	}
	if !r.Answer.IsZero() {
		ev.EntryResult = 1
	}
	nc, skip, invalid := Summary(ev)
	if !invalid.IsZero() {
		return store.MangoCall{}, false
	}
	nc.Source = src
	nc.CallID = ev.EntryID
	if p, err := calls.DecodeParams(nc.Params); err == nil {
		if len(r.Records) > 0 {
			p["records"] = strings.Join(r.Records, ",")
		}
		p["source"] = string(src)
		nc.Params = p.JSON()
	}
	raw := map[string]any{"origin": "stats/result", "fields": r.Fields}
	if b, err := json.Marshal(raw); err == nil {
		nc.Raw = string(b)
	}
	if skip.IsZero() && len(r.Records) == 0 {
		skip = mango.NoRecording(!ev.Answered(), true, time.Duration(nc.Duration)*time.Second)
	}
	return store.MangoCall{NewCall: nc, Skip: skip, Records: append([]string(nil), r.Records...)}, true
}
