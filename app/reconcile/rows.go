package reconcile

import (
	"encoding/json"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/recordings"
	"mangotqm/app/vpbxevents"
	"mangotqm/store"
)

// Calls skipped at import get the reasons the recordings sender gives for
// the same calls at delivery (calls.CodeMissed: a call without a recording
// that nobody answered; calls.CodeShort: too short to be recorded);
// deciding at import saves a stats search per call, which matters for a
// backfill.

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

// RowCall turns one row of Mango's basic statistics into a call to import
// with source src, by the rules of a VPBX events/summary
// (vpbxevents.SummaryCall): the same parameters, internal calls skipped.
// Besides, a call without recordings is skipped when nobody answered or it
// was too short to be recorded. ok is false for a row without an entry id.
func RowCall(r vpbx.StatsRow, src calls.Source) (c store.MangoCall, ok bool) {
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
	nc, skip, invalid := vpbxevents.SummaryCall(ev)
	if !invalid.IsZero() {
		return store.MangoCall{}, false
	}
	nc.Source = src
	nc.CallID = ev.EntryID
	var p map[string]any
	if json.Unmarshal([]byte(nc.Params), &p) == nil {
		if len(r.Records) > 0 {
			p["records"] = strings.Join(r.Records, ",")
		}
		p["source"] = string(src)
		if b, err := json.Marshal(p); err == nil {
			nc.Params = string(b)
		}
	}
	raw := map[string]any{"origin": "stats/result", "fields": r.Fields}
	if b, err := json.Marshal(raw); err == nil {
		nc.Raw = string(b)
	}
	if skip.IsZero() && len(r.Records) == 0 {
		switch {
		case !ev.Answered():
			skip = calls.NewReason(calls.CodeMissed)
		case time.Duration(nc.Duration)*time.Second < recordings.MinRecorded:
			skip = calls.NewReason(calls.CodeShort)
		}
	}
	return store.MangoCall{NewCall: nc, Skip: skip, Records: append([]string(nil), r.Records...)}, true
}
