package mango

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mangotqm/app/calls"
)

// Request is the raw webhook as received, kept verbatim in the database.
// It never holds the URL path (which carries the webhook secret) or headers.
type Request struct {
	Method      string `json:"method"`
	Query       string `json:"query,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
	// BodyBase64 holds a body that is not valid UTF-8.
	BodyBase64 []byte `json:"bodyBase64,omitempty"`
}

// JSON encodes the raw request for storage.
func (r Request) JSON() string {
	if !utf8.ValidString(r.Body) {
		r.BodyBase64, r.Body = []byte(r.Body), ""
	}
	b, err := json.Marshal(r)
	if err != nil { // cannot happen for these field types
		return fmt.Sprintf(`{"method":%q}`, r.Method)
	}
	return string(b)
}

// Call is what a calltracking webhook says about one call.
type Call struct {
	Params   Params
	CallID   string
	Start    time.Time
	End      time.Time
	Caller   string
	Group    string
	Duration int64 // seconds
	// Notes name the parameters kept as received because they were not
	// properly encoded (a stray ';' or a lone '%'): flagged, never fatal.
	// NoteReasons say the same as codes (one per note).
	Notes       []string
	NoteReasons []calls.Reason
}

// Parse reads a calltracking webhook: the query string and, for POST, a form
// or JSON body (body values win over query values of the same name). It
// never fails on content: the returned Params hold whatever could be read;
// the error explains why the call is unusable (the caller stores it as
// invalid with that reason; it carries a calls.Reason). loc is the zone
// assumed for dates without one.
func Parse(r Request, loc *time.Location) (Call, error) {
	p, notes, perr := params(r)
	c := Call{Params: p, NoteReasons: notes}
	for _, n := range notes {
		c.Notes = append(c.Notes, n.English())
	}
	if perr != nil {
		return c, perr
	}
	c.Caller = p.Get(AliasCaller...)
	c.Group = p.Get(AliasGroup...)
	if d := p.Get(AliasDuration...); d != "" {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 && n < 1e9 {
			c.Duration = int64(n)
		}
	}
	var problems []calls.Reason
	c.CallID = p.Get(AliasCallID...)
	if c.CallID == "" {
		problems = append(problems, calls.NewReason(calls.CodeNoCallID))
	}
	var err error
	if c.Start, err = parseDate(p.Get(AliasDateStart...), loc); err != nil {
		problems = append(problems, calls.NewReason(calls.CodeStartDate).With(calls.ReasonFor(err, calls.CodeLegacy)))
	}
	if c.End, err = parseDate(p.Get(AliasDateEnd...), loc); err != nil {
		problems = append(problems, calls.NewReason(calls.CodeEndDate).With(calls.ReasonFor(err, calls.CodeLegacy)))
	}
	if len(problems) > 0 {
		return c, calls.List(problems...).Err()
	}
	return c, nil
}

func params(r Request) (Params, []calls.Reason, error) {
	p := Params{}
	notes := parseForm(r.Query, "query", p)
	if strings.TrimSpace(r.Body) == "" {
		return p, notes, nil
	}
	mt, _, _ := mime.ParseMediaType(r.ContentType)
	body := strings.TrimSpace(r.Body)
	switch {
	case mt == "application/json" || (mt == "" || mt == "text/plain") && strings.HasPrefix(body, "{"):
		var obj map[string]any
		if err := json.Unmarshal([]byte(body), &obj); err != nil {
			return p, notes, calls.NewReason(calls.CodeBadJSON, calls.ArgError, err.Error()).Wrap(err)
		}
		for k, v := range obj {
			p[k] = scalar(v)
		}
	case mt == "application/x-www-form-urlencoded" || mt == "" || mt == "text/plain":
		notes = append(notes, parseForm(body, "body", p)...)
	case mt == "multipart/form-data":
		return p, notes, calls.NewReason(calls.CodeMultipart).Err()
	default:
		return p, notes, calls.NewReason(calls.CodeContentType, "type", mt).Err()
	}
	return p, notes, nil
}

// maxNotes bounds the notes of one request (a hostile query could hold
// thousands of broken parameters).
const maxNotes = 20

// parseForm reads "k=v&k=v" into p one parameter at a time (a later value
// wins). Unlike url.ParseQuery it never drops a parameter: a name or value
// with a lone '%' or an invalid escape is kept exactly as received, and a
// stray ';' (which url.ParseQuery refuses) stays part of the value; each
// such parameter is named in the returned notes. where is "query" or "body".
func parseForm(s, where string, p Params) (notes []calls.Reason) {
	code := calls.CodeKeptRawQuery
	if where == "body" {
		code = calls.CodeKeptRawBody
	}
	note := func(name, why string) {
		if len(notes) < maxNotes {
			notes = append(notes, calls.NewReason(code, "name", truncate(name, 40)).With(calls.NewReason(why)))
		}
	}
	for piece := range strings.SplitSeq(s, "&") {
		if piece == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(piece, "=")
		key, kerr := url.QueryUnescape(rawKey)
		if kerr != nil {
			key = rawKey
		}
		val, verr := url.QueryUnescape(rawVal)
		if verr != nil {
			val = rawVal
		}
		switch {
		case kerr != nil || verr != nil:
			note(key, calls.CodeKeptBadEscape)
		case strings.Contains(piece, ";"):
			note(key, calls.CodeKeptSemicolon)
		}
		p[key] = val
	}
	return notes
}

func scalar(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// dateLayouts are tried in order for dates without a Unix timestamp.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00", // mango-dct example: 2017-06-30T00:00Z
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
}

// ParseDate reads a Mango date: ISO 8601 with or without zone and seconds,
// "DD.MM.YYYY HH:MM:SS", or Unix seconds/milliseconds. Dates without a zone
// are taken in loc.
func ParseDate(s string, loc *time.Location) (time.Time, error) { return parseDate(s, loc) }

func parseDate(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, calls.NewReason(calls.CodeDateMissing).Err()
	}
	if loc == nil {
		loc = time.UTC
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n > 1e11 && n < 1e14: // milliseconds
			return time.UnixMilli(n), nil
		case n > 1e8 && n < 1e11: // seconds
			return time.Unix(n, 0), nil
		}
		return time.Time{}, calls.NewReason(calls.CodeDateNotDate, "value", s).Err()
	}
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, calls.NewReason(calls.CodeDateUnknown, "value", truncate(s, 40)).Err()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
