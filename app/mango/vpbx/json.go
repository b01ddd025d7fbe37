package vpbx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MoscowShift is the Epoch shift to use if Mango's "UTC+3" timestamps turn
// out to be Moscow wall time written as if it were UTC.
const MoscowShift = 3 * time.Hour

// Epoch interprets Mango's Unix timestamps. Mango documents them as
// "UTC+3" (docs/mango.md §3.8), which can mean a plain Unix epoch (time-zone
// free; the zero Epoch, the default) or Moscow wall time counted as if it
// were UTC (Epoch{Shift: MoscowShift}). Decoding subtracts Shift, encoding
// adds it. Verify against one known call before changing the default.
type Epoch struct {
	Shift time.Duration
}

// Time converts Mango seconds to a time; 0 or less gives the zero time.
func (e Epoch) Time(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).Add(-e.Shift)
}

// Unix converts a time to Mango seconds.
func (e Epoch) Unix(t time.Time) int64 {
	return t.Add(e.Shift).Unix()
}

// flexInt decodes a JSON number, a numeric string, "" or null.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*f = 0
			return nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Errorf("vpbx: %q is not a number", s)
	}
	*f = flexInt(int64(x))
	return nil
}

// flexString decodes a JSON string, a number (kept as written), a bool or
// null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		*f = flexString(b)
	default:
		*f = flexString(b)
	}
	return nil
}

func jsonUnmarshal(b []byte, v any) error {
	return json.Unmarshal(bytes.TrimSpace(b), v)
}
