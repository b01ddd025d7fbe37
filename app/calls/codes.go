package calls

import (
	"sort"
	"strings"
)

// Every reason code the bridge emits. A front end translates "reason."+code
// with the reason's parameters (Go template fields such as {{.of}}); the
// English texts below (with {name} for a parameter) are what logs, the
// command line and the database's text columns get. A reason's Parts follow
// its text after ": " (or make it up alone, for CodeList).
//
// Parameter conventions the front ends rely on: ArgField is a TQM field
// name; names ending in DurSuffix hold a Go duration (time.Duration's
// String), rendered in the user's language; ArgError and ArgBody hold
// technical text from elsewhere (an error, TQM's reply), shown as is.
const (
	CodeLegacy = "legacy" // a reason known only by its English text (ArgText)
	CodeList   = "list"   // its parts, one after the other

	CodeDuplicate        = "intake.duplicate"
	CodeJoinCalltracking = "join.calltracking"
	CodeJoinVPBX         = "join.vpbx"
	CodeJoinReconciled   = "join.reconciled"
	CodeJoinOther        = "join.other"
	CodeUnknownStopped   = "outcome.stopped"
	CodeUnknownStuck     = "outcome.stuck"

	CodeNoCallID         = "webhook.no_call_id"
	CodeStartDate        = "webhook.start_date"
	CodeEndDate          = "webhook.end_date"
	CodeDateMissing      = "date.missing"
	CodeDateNotDate      = "date.not_date"
	CodeDateUnknown      = "date.unknown_format"
	CodeBadJSON          = "webhook.bad_json"
	CodeMultipart        = "webhook.multipart"
	CodeContentType      = "webhook.content_type"
	CodeKeptRawQuery     = "webhook.kept_raw_query"
	CodeKeptRawBody      = "webhook.kept_raw_body"
	CodeKeptBadEscape    = "webhook.kept_bad_escape"
	CodeKeptSemicolon    = "webhook.kept_semicolon"
	CodeVPBXNotForm      = "vpbx.not_form"
	CodeVPBXBadSignature = "vpbx.bad_signature"
	CodeVPBXOtherCode    = "vpbx.other_code"
	CodeVPBXBadEvent     = "vpbx.bad_event"
	CodeVPBXNoEntryID    = "vpbx.no_entry_id"
	CodeVPBXDirection    = "vpbx.unknown_direction"
	CodeVPBXRecordIDs    = "vpbx.record_incomplete"
	CodeInternal         = "vpbx.internal"

	CodeCannotSend     = "mapping.cannot_send"
	CodeMissing        = "mapping.missing"
	CodeTooLong        = "mapping.too_long"
	CodeNotAllowed     = "mapping.not_allowed"
	CodeBadLink        = "mapping.bad_link"
	CodeNotDate        = "mapping.not_date"
	CodeFuture         = "mapping.future"
	CodeEndBeforeStart = "mapping.end_before_start"
	CodeBadZone        = "mapping.bad_zone"
	CodeMappingZone    = "mapping.zone"
	CodeSourceZone     = "mapping.source_zone"
	CodeShortID        = "mapping.short_id"
	CodeDateUnreadable = "mapping.date_unreadable"

	CodeMappingUnreadable = "delivery.mapping_unreadable"
	CodeParamsUnreadable  = "delivery.params_unreadable"
	CodeNoAnswer          = "delivery.no_answer"
	CodeTimeout           = "delivery.timeout"
	CodeKeyRejected       = "delivery.key_rejected"
	CodeRefused           = "delivery.refused"
	CodeRateLimited       = "delivery.rate_limited"
	CodeHTTPStatus        = "delivery.http_status"
	CodeGaveUp            = "delivery.gave_up"

	CodeMissed           = "recording.missed"
	CodeShort            = "recording.short"
	CodeLinkDown         = "recording.link_down"
	CodeNoLinkNoVPBX     = "recording.no_link_no_vpbx"
	CodeLinkNeedsVPBX    = "recording.link_needs_vpbx"
	CodeLockoutWait      = "recording.lockout_wait"
	CodeNotYet           = "recording.not_yet"
	CodeNoneAfter        = "recording.none_after"
	CodeNotServedYet     = "recording.not_served_yet"
	CodeNotServedAfter   = "recording.not_served_after"
	CodeNotProvided      = "recording.not_provided"
	CodeVPBXWait         = "recording.vpbx_wait"
	CodeNoCredentials    = "recording.no_credentials"
	CodeVPBXGaveUp       = "recording.vpbx_gave_up"
	CodeLinkTooLarge     = "recording.link_too_large"
	CodeMangoTooLarge    = "recording.mango_too_large"
	CodeLinkNotAudio     = "recording.link_not_audio"
	CodeMangoNotAudio    = "recording.mango_not_audio"
	CodeRecordingTooLong = "recording.too_long"

	// Import rules (app/rules): the call is stored as skipped, not sent.
	CodeRuleInbound  = "rule.inbound"
	CodeRuleOutbound = "rule.outbound"
	CodeRuleLine     = "rule.line"
	CodeRuleMissed   = "rule.missed"
	CodeRuleShort    = "rule.short"
	CodeRuleHours    = "rule.hours"
	CodeRuleUTM      = "rule.utm"
	CodeRuleEmployee = "rule.employee"
	CodeRuleGroup    = "rule.group"
)

// IsRule reports whether code is an import rule's (a call skipped by rule).
func IsRule(code string) bool { return strings.HasPrefix(code, "rule.") }

// Parameter names used by several codes.
const (
	ArgText  = "text"  // English text (CodeLegacy)
	ArgError = "error" // an error's text, shown as is
	ArgBody  = "body"  // TQM's reply, shown as is
	ArgField = "field" // a TQM field name
	ArgOf    = "of"    // the earlier call's row id
	// DurSuffix ends the name of a parameter that holds a duration.
	DurSuffix = "_dur"
)

// CodeInfo describes one reason code.
type CodeInfo struct {
	English string   // the English text, {name} for a parameter
	Args    []string // the parameters the text uses
}

var codes = map[string]CodeInfo{
	CodeLegacy: {"{text}", []string{ArgText}},
	CodeList:   {"", nil},

	CodeDuplicate:        {"duplicate of call #{of}", []string{ArgOf}},
	CodeJoinCalltracking: {"same call as #{of} via calltracking", []string{ArgOf}},
	CodeJoinVPBX:         {"same call as #{of} via VPBX", []string{ArgOf}},
	CodeJoinReconciled:   {"same call as #{of}, found earlier in Mango's call statistics", []string{ArgOf}},
	CodeJoinOther:        {"same call as #{of} via {source}", []string{ArgOf, "source"}},
	CodeUnknownStopped:   {"sent, outcome unknown: the app stopped before TQM answered; the call is sent again and TQM may receive it twice", nil},
	CodeUnknownStuck:     {"sent, outcome unknown: the result of the try could not be recorded; the call is sent again and TQM may receive it twice", nil},

	CodeNoCallID:         {"no call id (callId)", nil},
	CodeStartDate:        {"start date (dateStart)", nil},
	CodeEndDate:          {"end date (dateEnd)", nil},
	CodeDateMissing:      {"missing", nil},
	CodeDateNotDate:      {`"{value}" is not a date`, []string{"value"}},
	CodeDateUnknown:      {`"{value}" is not a date I understand`, []string{"value"}},
	CodeBadJSON:          {"malformed JSON body: {error}", []string{ArgError}},
	CodeMultipart:        {"multipart bodies are not supported by the calltracking webhook", nil},
	CodeContentType:      {`unsupported content type "{type}"`, []string{"type"}},
	CodeKeptRawQuery:     {`query parameter "{name}" kept as received`, []string{"name"}},
	CodeKeptRawBody:      {`body parameter "{name}" kept as received`, []string{"name"}},
	CodeKeptBadEscape:    {"it is not properly %-encoded", nil},
	CodeKeptSemicolon:    {"it holds an unencoded ';'", nil},
	CodeVPBXNotForm:      {"VPBX event is not a form: {error}", []string{ArgError}},
	CodeVPBXBadSignature: {"VPBX event refused: wrong signature (check the signing key)", nil},
	CodeVPBXOtherCode:    {"VPBX event refused: it carries another VPBX code", nil},
	CodeVPBXBadEvent:     {"{error}", []string{ArgError}},
	CodeVPBXNoEntryID:    {"events/summary without entry_id", nil},
	CodeVPBXDirection:    {"events/summary with unknown call_direction {direction}", []string{"direction"}},
	CodeVPBXRecordIDs:    {"events/record/added without entry_id or recording_id", nil},
	CodeInternal:         {"internal call between employees: not sent to TQM", nil},

	CodeCannotSend:     {"the call cannot be sent to TQM", nil},
	CodeMissing:        {"{field} is missing", []string{ArgField}},
	CodeTooLong:        {"{field} is longer than {n} characters", []string{ArgField, "n"}},
	CodeNotAllowed:     {`{field} "{value}" is not one of {allowed}`, []string{ArgField, "value", "allowed"}},
	CodeBadLink:        {"fileLink is not an http(s) link", nil},
	CodeNotDate:        {`{field} "{value}" is not a date`, []string{ArgField, "value"}},
	CodeFuture:         {"{field} {value} is in the future (check the time zone settings)", []string{ArgField, "value"}},
	CodeEndBeforeStart: {"endDate is before startDate", nil},
	CodeBadZone:        {`unknown time zone "{zone}"`, []string{"zone"}},
	CodeMappingZone:    {"mapping time zone: {error}", []string{ArgError}},
	CodeSourceZone:     {"mapping source time zone: {error}", []string{ArgError}},
	CodeShortID:        {`call id "{value}" is longer than {n} characters; sent as "{short}"`, []string{"value", "n", "short"}},
	CodeDateUnreadable: {"{field}", []string{ArgField}},

	CodeMappingUnreadable: {"cannot read the mapping: {error}", []string{ArgError}},
	CodeParamsUnreadable:  {"stored parameters are unreadable: {error}", []string{ArgError}},
	CodeNoAnswer:          {"{error}", []string{ArgError}},
	CodeTimeout:           {"no result within {timeout_dur} (the send's deadline); {error}", []string{"timeout_dur", ArgError}},
	CodeKeyRejected:       {"TQM rejected the access key (HTTP {status}); sending is paused until the key is changed", []string{"status"}},
	CodeRefused:           {"TQM refused the call (HTTP {status}): {body}", []string{"status", ArgBody}},
	CodeRateLimited:       {"TQM is limiting the request rate (HTTP 429); sending again in {wait_dur}; not counted as a failed try", []string{"wait_dur"}},
	CodeHTTPStatus:        {"TQM answered HTTP {status}", []string{"status"}},
	CodeGaveUp:            {"gave up after {tries} tries", []string{"tries"}},

	CodeMissed:           {"missed call: there was no conversation, so Mango has no recording", nil},
	CodeShort:            {"Mango does not record calls shorter than ~6 s", nil},
	CodeLinkDown:         {"the recording could not be downloaded from the webhook's link (TQM was not asked): {error}", []string{ArgError}},
	CodeNoLinkNoVPBX:     {"no recording: the webhook has no recording link and the Mango VPBX API is not set up (VPBX code and signing key)", nil},
	CodeLinkNeedsVPBX:    {"no recording: the webhook's recording link cannot be downloaded without credentials and the Mango VPBX API is not set up (VPBX code and signing key)", nil},
	CodeLockoutWait:      {"waiting for the recording: requests to Mango Office are paused until {until}", []string{"until"}},
	CodeNotYet:           {"the recording is not in Mango Office yet; looking again every {every_dur} until {until}", []string{"every_dur", "until"}},
	CodeNoneAfter:        {"no recording: Mango Office had none for this call {after_dur} after it ended", []string{"after_dur"}},
	CodeNotServedYet:     {"the recording is announced but Mango Office does not serve it yet; trying again later", nil},
	CodeNotServedAfter:   {"no recording: Mango Office still did not serve it {after_dur} after the call ended", []string{"after_dur"}},
	CodeNotProvided:      {"no recording: Mango Office did not provide it ({missing} of {total} recordings not found, deleted, or too short to be saved)", []string{"missing", "total"}},
	CodeVPBXWait:         {"waiting for the recording: {error}", []string{ArgError}},
	CodeNoCredentials:    {"waiting for the recording: the Mango VPBX code or signing key is not set", nil},
	CodeVPBXGaveUp:       {"no recording: Mango Office could not be asked for it within {after_dur} after the call ended ({error})", []string{"after_dur", ArgError}},
	CodeLinkTooLarge:     {"the recording from the webhook's recording link is larger than {mb} MB, more than TQM accepts", []string{"mb"}},
	CodeMangoTooLarge:    {"the recording from Mango Office is larger than {mb} MB, more than TQM accepts", []string{"mb"}},
	CodeLinkNotAudio:     {"the recording from the webhook's recording link is neither MP3 nor WAV; TQM accepts only these", nil},
	CodeMangoNotAudio:    {"the recording from Mango Office is neither MP3 nor WAV; TQM accepts only these", nil},
	CodeRecordingTooLong: {"the recording is about {length_dur} long; TQM accepts at most one hour", []string{"length_dur"}},

	CodeRuleInbound:  {"skipped by the import rules: inbound calls are not sent", nil},
	CodeRuleOutbound: {"skipped by the import rules: outbound calls are not sent", nil},
	CodeRuleLine:     {"skipped by the import rules: line {line} is not one of the lines sent", []string{"line"}},
	CodeRuleMissed:   {"skipped by the import rules: missed call (only answered calls are sent)", nil},
	CodeRuleShort:    {"skipped by the import rules: {talk} s of conversation, less than {min} s", []string{"talk", "min"}},
	CodeRuleHours:    {"skipped by the import rules: outside the working hours {from}–{to}", []string{"from", "to"}},
	CodeRuleUTM:      {"skipped by the import rules: UTM source \"{utm}\"", []string{"utm"}},
	CodeRuleEmployee: {"skipped by the import rules: employee {employee} is excluded", []string{"employee"}},
	CodeRuleGroup:    {"skipped by the import rules: group \"{group}\" is excluded", []string{"group"}},
}

// Codes lists every reason code, sorted.
func Codes() []string {
	out := make([]string, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Code describes a reason code (ok false for an unknown one).
func Code(code string) (CodeInfo, bool) {
	info, ok := codes[code]
	return info, ok
}
