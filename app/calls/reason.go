package calls

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
)

// Reason says why a call stands where it does (invalid, needs attention,
// skipped, failed, a duplicate) or why one try failed, as a code with
// parameters: the front ends translate it, English renders it for logs and
// the command line. Parts are the reasons it lists ("a; b"), or the cause
// it names ("headline: cause").
type Reason struct {
	Code  string            `json:"code"`
	Args  map[string]string `json:"args,omitempty"`
	Parts []Reason          `json:"parts,omitempty"`
}

// NewReason returns the reason code with args given as name, value pairs.
func NewReason(code string, nameValues ...string) Reason {
	r := Reason{Code: code}
	for i := 0; i+1 < len(nameValues); i += 2 {
		if r.Args == nil {
			r.Args = map[string]string{}
		}
		r.Args[nameValues[i]] = nameValues[i+1]
	}
	return r
}

// Legacy is a reason known only by its English text: rows stored before
// reasons had codes, and free text from elsewhere.
func Legacy(text string) Reason {
	if text == "" {
		return Reason{}
	}
	return NewReason(CodeLegacy, ArgText, text)
}

// List is the reasons rs as one ("a; b"); one reason stays itself.
func List(rs ...Reason) Reason {
	if len(rs) == 1 {
		return rs[0]
	}
	return Reason{Code: CodeList, Parts: rs}
}

// With returns r naming parts (its cause, or what it lists).
func (r Reason) With(parts ...Reason) Reason {
	r.Parts = append(append([]Reason(nil), r.Parts...), parts...)
	return r
}

// Arg returns one parameter ("" if absent).
func (r Reason) Arg(name string) string { return r.Args[name] }

// IsZero reports whether r says nothing.
func (r Reason) IsZero() bool { return r.Code == "" }

// English renders r in English: the text logs and the command line show,
// and the one kept in the database's text columns.
func (r Reason) English() string {
	if r.IsZero() {
		return ""
	}
	parts := make([]string, 0, len(r.Parts))
	for _, p := range r.Parts {
		if s := p.English(); s != "" {
			parts = append(parts, s)
		}
	}
	info, ok := codes[r.Code]
	head := info.English
	if !ok {
		head = r.Code
		for _, k := range sortedKeys(r.Args) {
			head += " " + k + "=" + r.Args[k]
		}
	}
	head = fill(head, r.Args)
	switch {
	case len(parts) == 0:
		return head
	case head == "":
		return strings.Join(parts, "; ")
	}
	return head + ": " + strings.Join(parts, "; ")
}

// fill replaces {name} with the parameter name.
func fill(tpl string, args map[string]string) string {
	if !strings.Contains(tpl, "{") {
		return tpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		j := strings.IndexByte(tpl[i+1:], '}')
		if i < 0 || j < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		b.WriteString(tpl[:i])
		b.WriteString(args[tpl[i+1:i+1+j]])
		tpl = tpl[i+j+2:]
	}
}

// Encode is r as stored next to its English text ("" for no reason).
func (r Reason) Encode() string {
	if r.IsZero() {
		return ""
	}
	b, err := json.Marshal(r)
	if err != nil {
		return ""
	}
	return string(b)
}

// DecodeReason reads what Encode wrote; anything else (an empty or broken
// value) gives the zero Reason.
func DecodeReason(s string) Reason {
	if s == "" {
		return Reason{}
	}
	var r Reason
	if json.Unmarshal([]byte(s), &r) != nil {
		return Reason{}
	}
	return r
}

// Stored is the reason of a stored row: its code when it has one, else its
// English text (rows written before reasons had codes).
func Stored(encoded, text string) Reason {
	if r := DecodeReason(encoded); !r.IsZero() {
		return r
	}
	return Legacy(text)
}

// ReasonError is an error that carries its reason; Error is the English text.
type ReasonError struct {
	Reason Reason
	Err    error // the underlying error, if any
}

func (e *ReasonError) Error() string { return e.Reason.English() }

// Unwrap returns the underlying error.
func (e *ReasonError) Unwrap() error { return e.Err }

// Err returns r as an error.
func (r Reason) Err() error { return &ReasonError{Reason: r} }

// Wrap returns r as an error wrapping err.
func (r Reason) Wrap(err error) error { return &ReasonError{Reason: r, Err: err} }

// ReasonOf returns the reason err carries (ok false when it carries none).
func ReasonOf(err error) (r Reason, ok bool) {
	var re *ReasonError
	if errors.As(err, &re) {
		return re.Reason, true
	}
	return Reason{}, false
}

// ReasonFor returns the reason err carries, else code with err's text as
// its ArgError parameter (ArgText for CodeLegacy). A nil err gives no
// reason.
func ReasonFor(err error, code string) Reason {
	if err == nil {
		return Reason{}
	}
	if r, ok := ReasonOf(err); ok {
		return r
	}
	if code == CodeLegacy {
		return Legacy(err.Error())
	}
	return NewReason(code, ArgError, err.Error())
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
