// Package mango understands what Mango Office sends us: calltracking
// webhooks (GET query strings, defensively also POST forms and JSON) and, in
// sub-packages, the VPBX API. Parameter names are not fully documented, so
// every lookup is tolerant: case-insensitive and blind to '_' and '-', so
// callId, call_id and CALLID are the same parameter.
package mango

import "mangotqm/app/calls"

// Params are the parameters of one webhook, as received (original names);
// the type is calls.Params, the one shape of a call's parameters.
type Params = calls.Params

// Known aliases of the calltracking fields we rely on. The 2018 public
// client (mango-dct) uses camelCase; its logs show snake_case too; the
// misspelling callerNumer is in its typings. "Last group" and the recording
// URL are Albato labels with no documented parameter name: these are guesses,
// and the mapping editor can name any other parameter.
var (
	AliasCallID    = []string{"callId", "call_id", "id", "entryId", "entry_id"}
	AliasDateStart = []string{"dateStart", "date_start", "startDate", "start"}
	AliasDateEnd   = []string{"dateEnd", "date_end", "endDate", "end"}
	AliasCaller    = []string{"callerNumber", "caller_number", "callerNumer", "caller", "fromNumber", "from_number"}
	AliasGroup     = []string{"lastGroup", "last_group", "groupName", "group_name", "group", "operator", "operatorName"}
	AliasRecording = []string{"recordUrl", "record_url", "recordingUrl", "recording_url", "recordLink", "recordingLink", "record", "recording"}
	AliasDuration  = []string{"duration", "talkDuration", "talk_duration"}
)
