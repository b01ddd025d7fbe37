package calls

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Params are a call's parameters by their original names (a webhook's as
// received, or those a Mango conversion wrote). Lookups are tolerant:
// case-insensitive and blind to '_' and '-', so callId, call_id and CALLID
// are the same parameter (Mango's names are not fully documented).
type Params map[string]string

// Get returns the first non-empty value among names (tolerant matching).
func (p Params) Get(names ...string) string {
	for _, n := range names {
		want := NormalizeKey(n)
		if v, ok := p[n]; ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		for k, v := range p {
			if NormalizeKey(k) == want && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}

// Names returns the parameter names, sorted.
func (p Params) Names() []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// JSON is p as stored: a JSON object ("{}" when p is empty).
func (p Params) JSON() string {
	if len(p) == 0 {
		return "{}"
	}
	b, err := json.Marshal(map[string]string(p))
	if err != nil {
		return "{}"
	}
	return string(b)
}

// DecodeParams reads stored parameters (a JSON object). It is the one
// place they are decoded. Values that are not strings are kept as text
// (numbers as written without exponent, booleans as true/false); nulls are
// dropped. An empty string is no parameters; anything but a JSON object is
// an error.
func DecodeParams(stored string) (Params, error) {
	p := Params{}
	if strings.TrimSpace(stored) == "" {
		return p, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stored), &m); err != nil {
		return p, fmt.Errorf("stored parameters: %w", err)
	}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			p[k] = x
		case float64:
			p[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			p[k] = strconv.FormatBool(x)
		case nil:
		default:
			p[k] = fmt.Sprint(x)
		}
	}
	return p, nil
}

// Parameters returns the call's stored parameters, decoded (empty when
// they are unreadable; ParametersErr says why).
func (c Call) Parameters() Params {
	p, _ := DecodeParams(c.Params)
	return p
}

// ParametersErr is Parameters with the decoding error.
func (c Call) ParametersErr() (Params, error) { return DecodeParams(c.Params) }
