package store

import (
	"encoding/json"
	"maps"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxRawBody is the most of a request's body (and of its query string) kept
// in a call's raw envelope. A longer one is cut there and the call says so
// (Call.RawCut); the parsed parameters are kept whole.
const MaxRawBody = 1 << 20

// envelope is the raw request as the receiver stores it (mango.Request's
// JSON shape). Derived names the part ("query" or "body") that was not
// stored because it is exactly the parsed parameters, url-encoded: it is
// rebuilt from them when the call is read.
type envelope struct {
	Method      string `json:"method"`
	Query       string `json:"query,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
	BodyBase64  []byte `json:"bodyBase64,omitempty"`
	Derived     string `json:"derived,omitempty"`
}

// Where a derived raw part goes.
const (
	derivedQuery = "query"
	derivedBody  = "body"
)

// compactRaw returns what is stored for a call's raw request: one form of
// the webhook, not two. When the query string (or a form body) says
// exactly what the parsed parameters say, it is dropped and marked derived;
// everything else is kept as received, cut at MaxRawBody (cut is then true).
func compactRaw(raw, params string) (stored string, cut bool) {
	e, ok := decodeEnvelope(raw)
	if !ok || e.Derived != "" {
		if len(raw) > MaxRawBody {
			return cutString(raw, MaxRawBody), true
		}
		return raw, false
	}
	if p, ok := stringParams(params); ok {
		switch {
		case e.Body == "" && e.BodyBase64 == nil && e.Query != "" && sameForm(e.Query, p):
			e.Query, e.Derived = "", derivedQuery
		case e.Query == "" && e.BodyBase64 == nil && e.Body != "" && isForm(e.ContentType) && sameForm(e.Body, p):
			e.Body, e.Derived = "", derivedBody
		}
	}
	if len(e.Query) > MaxRawBody {
		e.Query, cut = cutString(e.Query, MaxRawBody), true
	}
	if len(e.Body) > MaxRawBody {
		e.Body, cut = cutString(e.Body, MaxRawBody), true
	}
	if len(e.BodyBase64) > MaxRawBody {
		e.BodyBase64, cut = e.BodyBase64[:MaxRawBody], true
	}
	b, err := json.Marshal(e)
	if err != nil { // cannot happen for these field types
		return raw, false
	}
	return string(b), cut
}

// expandRaw rebuilds a stored raw envelope for reading: a derived part is
// the parameters, url-encoded (in name order).
func expandRaw(stored, params string) string {
	if !strings.Contains(stored, `"derived"`) {
		return stored
	}
	e, ok := decodeEnvelope(stored)
	if !ok || e.Derived == "" {
		return stored
	}
	p, ok := stringParams(params)
	if !ok {
		return stored
	}
	v := url.Values{}
	for k, val := range p {
		v.Set(k, val)
	}
	switch e.Derived {
	case derivedQuery:
		e.Query = v.Encode()
	case derivedBody:
		e.Body = v.Encode()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return stored
	}
	return string(b)
}

// decodeEnvelope reads raw as the receiver's envelope; ok is false for
// anything else (another source's shape is stored as it is).
func decodeEnvelope(raw string) (envelope, bool) {
	var e envelope
	d := json.NewDecoder(strings.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil || e.Method == "" || d.More() {
		return envelope{}, false
	}
	return e, true
}

func stringParams(params string) (map[string]string, bool) {
	var p map[string]string
	if err := json.Unmarshal([]byte(params), &p); err != nil {
		return nil, false
	}
	return p, true
}

// sameForm reports whether form parses cleanly (no bad escapes, no ';',
// no repeated names) into exactly p.
func sameForm(form string, p map[string]string) bool {
	q, err := url.ParseQuery(form)
	if err != nil || len(q) != len(p) {
		return false
	}
	got := make(map[string]string, len(q))
	for k, vs := range q {
		if len(vs) != 1 {
			return false
		}
		got[k] = vs[0]
	}
	return maps.Equal(got, p)
}

func isForm(contentType string) bool {
	ct, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	ct = strings.TrimSpace(ct)
	return ct == "" || ct == "application/x-www-form-urlencoded" || ct == "text/plain"
}

// cutString cuts s to at most n bytes on a rune boundary.
func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// materializeRaw turns an expanded envelope (as read) into one that no
// longer depends on the parameters (before they change).
func materializeRaw(expanded string) string {
	if !strings.Contains(expanded, `"derived"`) {
		return expanded
	}
	e, ok := decodeEnvelope(expanded)
	if !ok || e.Derived == "" {
		return expanded
	}
	e.Derived = ""
	b, err := json.Marshal(e)
	if err != nil {
		return expanded
	}
	return string(b)
}
