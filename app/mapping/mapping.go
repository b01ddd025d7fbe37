// Package mapping turns a stored Mango call into the fields of a TQM import
// request. The mapping is data (kept in settings, edited in the window): each
// TQM field takes a Mango parameter (several aliases may be listed, the first
// non-empty wins) or a constant.
package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
	"mangotqm/app/tqm"
)

// TQM field names (camelCase, as the v2 API takes them): the TQM client's.
const (
	FieldID                = tqm.FieldID
	FieldCallDirection     = tqm.FieldCallDirection
	FieldStartDate         = tqm.FieldStartDate
	FieldEndDate           = tqm.FieldEndDate
	FieldHangupParty       = tqm.FieldHangupParty
	FieldOperatorID        = tqm.FieldOperatorID
	FieldOperatorChannel   = tqm.FieldOperatorChannel
	FieldClientPhoneNumber = tqm.FieldClientPhoneNumber
	FieldFileLink          = tqm.FieldFileLink
)

// Fields lists the TQM fields the mapping can fill, in request order.
var Fields = tqm.FieldNames

// Rule fills one TQM field.
type Rule struct {
	Field  string   `json:"field"`
	Params []string `json:"params,omitempty"` // Mango parameters; first non-empty wins
	Const  string   `json:"const,omitempty"`  // used when Params is empty or all are empty
}

// Enum casings (TQM's documented values are lower case; a 2023 sample used
// Title case, so it is a setting).
const (
	CaseLower = "lower"
	CaseTitle = "title"
	CaseAsIs  = "asis"
)

// Config is the whole mapping.
type Config struct {
	Rules []Rule `json:"rules"`
	// TimeZone is the zone TQM dates are written in (no offset is sent).
	TimeZone string `json:"timeZone"`
	// SourceZone is assumed for Mango dates that carry no zone.
	SourceZone string `json:"sourceZone"`
	// EnumCase is how callDirection, hangupParty and operatorChannel are sent.
	EnumCase string `json:"enumCase"`
}

// SettingKey is where the mapping is stored.
const SettingKey = "mapping"

// Default is the seed's mapping (the Albato bundle it replaces).
func Default() Config {
	return Config{
		Rules: []Rule{
			{Field: FieldID, Params: mango.AliasCallID},
			{Field: FieldCallDirection, Params: []string{"direction"}, Const: "inbound"}, // VPBX calls say; calltracking is inbound
			{Field: FieldStartDate, Params: mango.AliasDateStart},
			{Field: FieldEndDate, Params: mango.AliasDateEnd},
			{Field: FieldHangupParty, Const: "client"},
			{Field: FieldOperatorID, Params: mango.AliasGroup},
			{Field: FieldOperatorChannel, Const: "left"},
			{Field: FieldClientPhoneNumber, Params: mango.AliasCaller},
			{Field: FieldFileLink, Params: mango.AliasRecording},
		},
		TimeZone:   "Europe/Moscow",
		SourceZone: "Europe/Moscow",
		EnumCase:   CaseLower,
	}
}

// Field is one filled TQM field.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Result is a mapped call.
type Result struct {
	Fields []Field `json:"fields"`
	// Notes say what the mapping did that a person may want to know (e.g. a
	// long id shortened), in English (logs); NoteReasons say the same as
	// codes, for the front ends (requests stored by older versions have
	// only Notes).
	Notes       []string       `json:"notes,omitempty"`
	NoteReasons []calls.Reason `json:"note_reasons,omitempty"`
}

func (r *Result) note(why calls.Reason) {
	r.Notes = append(r.Notes, why.English())
	r.NoteReasons = append(r.NoteReasons, why)
}

// Get returns a field's value.
func (r Result) Get(name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// MaxIDLen is TQM's limit for the external call id.
const MaxIDLen = 32

// ShortID is the documented stable short form of a call id longer than 32
// characters: "h" followed by the first 31 hex digits of its SHA-256. The same
// id always gives the same short form, so duplicates stay detectable.
func ShortID(id string) string {
	if len(id) <= MaxIDLen {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "h" + hex.EncodeToString(sum[:])[:MaxIDLen-1]
}

// TQMDateLayout is how TQM wants dates: local wall time, no zone.
const TQMDateLayout = "2006-01-02T15:04:05"

// Apply maps the call's Mango parameters. It fails only on a broken config
// (unknown time zone); missing values are left for Validate to report.
func Apply(cfg Config, p mango.Params) (Result, error) {
	tqmZone, err := loadZone(cfg.TimeZone)
	if err != nil {
		return Result{}, calls.NewReason(calls.CodeMappingZone, calls.ArgError, err.Error()).Wrap(err)
	}
	srcZone, err := loadZone(cfg.SourceZone)
	if err != nil {
		return Result{}, calls.NewReason(calls.CodeSourceZone, calls.ArgError, err.Error()).Wrap(err)
	}
	var res Result
	for _, r := range cfg.Rules {
		v := ""
		if len(r.Params) > 0 {
			v = p.Get(r.Params...)
		}
		if v == "" {
			v = r.Const
		}
		if v == "" {
			continue
		}
		switch r.Field {
		case FieldID:
			if short := ShortID(v); short != v {
				res.note(calls.NewReason(calls.CodeShortID, "value", v, "n", strconv.Itoa(MaxIDLen), "short", short))
				v = short
			}
		case FieldStartDate, FieldEndDate:
			t, err := mango.ParseDate(v, srcZone)
			if err != nil {
				res.note(calls.NewReason(calls.CodeDateUnreadable, calls.ArgField, r.Field).With(
					calls.ReasonFor(err, calls.CodeLegacy)))
			} else {
				v = t.In(tqmZone).Format(TQMDateLayout)
			}
		case FieldCallDirection, FieldHangupParty, FieldOperatorChannel:
			v = enumCase(v, cfg.EnumCase)
		}
		res.Fields = append(res.Fields, Field{Name: r.Field, Value: v})
	}
	return res, nil
}

func enumCase(v, mode string) string {
	switch mode {
	case CaseAsIs:
		return v
	case CaseTitle:
		l := strings.ToLower(v)
		if l == "" {
			return l
		}
		return strings.ToUpper(l[:1]) + l[1:]
	default:
		return strings.ToLower(v)
	}
}

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		name = "Europe/Moscow"
	}
	return time.LoadLocation(name)
}
