package mangocall

import (
	"strconv"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbx"
	"mangotqm/store"
)

// Summary turns events/summary into a call row with tolerant parameters
// the default mapping understands: callId = entryId = entry_id,
// dateStart/dateEnd = create/end time (RFC 3339, UTC), callerNumber = the
// CLIENT's number, direction = inbound|outbound, operator = the employee's
// extension (who answered; for a missed call the first one called),
// duration = talk seconds, answered = 1|0. An internal call gives
// skipReason; a summary without entry_id gives invalid.
func Summary(s *vpbx.SummaryEvent) (c store.NewCall, skipReason, invalid calls.Reason) {
	var client, operator, operatorNumber, direction string
	switch s.CallDirection {
	case vpbx.DirectionInbound:
		direction, client, operator, operatorNumber = "inbound", s.From.Number, s.To.Extension, s.To.Number
	case vpbx.DirectionOutbound:
		direction, client, operator, operatorNumber = "outbound", s.To.Number, s.From.Extension, s.From.Number
	case vpbx.DirectionInternal:
		direction, client, operator, operatorNumber = "internal", s.From.Extension, s.To.Extension, s.To.Number
		skipReason = calls.NewReason(calls.CodeInternal)
	default:
		invalid = calls.NewReason(calls.CodeVPBXDirection, "direction", strconv.Itoa(s.CallDirection))
	}
	if strings.TrimSpace(s.EntryID) == "" {
		invalid = calls.NewReason(calls.CodeVPBXNoEntryID)
	}
	talk := int64(0)
	if !s.TalkTime.IsZero() && s.EndTime.After(s.TalkTime) {
		talk = int64(s.EndTime.Sub(s.TalkTime) / time.Second)
	}
	p := map[string]string{
		"callId":           s.EntryID,
		"entryId":          s.EntryID,
		"callerNumber":     client,
		"direction":        direction,
		"operator":         operator,
		"operatorNumber":   operatorNumber,
		"lineNumber":       s.LineNumber,
		"duration":         strconv.FormatInt(talk, 10),
		"answered":         "0",
		"disconnectReason": strconv.Itoa(s.DisconnectReason),
	}
	if s.Answered() {
		p["answered"] = "1"
	}
	if !s.CreateTime.IsZero() {
		p["dateStart"] = s.CreateTime.UTC().Format(time.RFC3339)
	}
	if !s.EndTime.IsZero() {
		p["dateEnd"] = s.EndTime.UTC().Format(time.RFC3339)
	}
	for k, v := range p {
		if v == "" {
			delete(p, k)
		}
	}
	c = store.NewCall{Source: calls.SourceVPBX, Params: calls.Params(p).JSON(), Caller: client, Operator: operator,
		Started: s.CreateTime, Duration: talk}
	if invalid.IsZero() {
		c.CallID = s.EntryID
	}
	return c, skipReason, invalid
}
