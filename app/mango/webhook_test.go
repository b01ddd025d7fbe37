package mango

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	tests := []struct {
		name      string
		req       Request
		wantID    string
		wantStart time.Time
		wantErr   string
		wantCall  string
		wantGroup string
	}{
		{name: "mango-dct style GET",
			req:    Request{Method: "GET", Query: "callId=1&dateStart=2017-06-30T00:00Z&dateEnd=2017-06-30T00:05Z&callerNumber=74951112233&lastGroup=Sales"},
			wantID: "1", wantStart: time.Date(2017, 6, 30, 0, 0, 0, 0, time.UTC), wantCall: "74951112233", wantGroup: "Sales"},
		{name: "snake case, no zone → source zone",
			req:    Request{Method: "GET", Query: "call_id=2&date_start=2026-11-20+10:00:00&date_end=2026-11-20+10:01:00&caller_number=79991234567"},
			wantID: "2", wantStart: time.Date(2026, 11, 20, 10, 0, 0, 0, msk), wantCall: "79991234567"},
		{name: "unix seconds",
			req:    Request{Method: "GET", Query: "callId=3&dateStart=1764000000&dateEnd=1764000060"},
			wantID: "3", wantStart: time.Unix(1764000000, 0)},
		{name: "misspelled callerNumer",
			req:    Request{Method: "GET", Query: "callId=4&dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:00Z&callerNumer=123"},
			wantID: "4", wantStart: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), wantCall: "123"},
		{name: "JSON body wins over query",
			req:    Request{Method: "POST", Query: "callId=old", ContentType: "application/json; charset=utf-8", Body: `{"callId":"5","dateStart":"20.11.2026 10:00:00","dateEnd":"20.11.2026 10:02:00","duration":12}`},
			wantID: "5", wantStart: time.Date(2026, 11, 20, 10, 0, 0, 0, msk)},
		{name: "missing everything", req: Request{Method: "GET", Query: "utm_source=yandex"}, wantErr: "no call id"},
		{name: "bad query", req: Request{Method: "GET", Query: "callId=%zz"}, wantErr: "malformed query"},
		{name: "bad JSON", req: Request{Method: "POST", ContentType: "application/json", Body: "{"}, wantErr: "malformed JSON"},
		{name: "unsupported type", req: Request{Method: "POST", ContentType: "application/xml", Body: "<a/>"}, wantErr: "unsupported content type"},
		{name: "future-proof: unknown date", req: Request{Method: "GET", Query: "callId=1&dateStart=soon&dateEnd=later"}, wantErr: "start date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.req, msk)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.CallID != tt.wantID || !c.Start.Equal(tt.wantStart) {
				t.Fatalf("got id %q start %v, want %q %v", c.CallID, c.Start, tt.wantID, tt.wantStart)
			}
			if c.Caller != tt.wantCall || c.Group != tt.wantGroup {
				t.Fatalf("caller %q group %q, want %q %q", c.Caller, c.Group, tt.wantCall, tt.wantGroup)
			}
		})
	}
}

func TestParamsGetIsTolerant(t *testing.T) {
	p := Params{"Caller_Number": "7", "empty": " ", "utm-source": "ya"}
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{[]string{"callerNumber"}, "7"},
		{[]string{"CALLER-NUMBER"}, "7"},
		{[]string{"empty", "utmSource"}, "ya"},
		{[]string{"missing"}, ""},
	} {
		if got := p.Get(tt.names...); got != tt.want {
			t.Errorf("Get(%v) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

// FuzzParse: whatever arrives, Parse never panics, and what it returns can
// be stored (raw envelope is valid JSON, params encode as JSON) — the
// receiver stores every request, valid or not.
func FuzzParse(f *testing.F) {
	seeds := []Request{
		{Method: "GET", Query: "callId=1&dateStart=2017-06-30T00:00Z&dateEnd=2017-06-30T00:05Z&callerNumber=74951112233"},
		{Method: "GET", Query: "call_id=2&date_start=1764000000&date_end=1764000060"},
		{Method: "POST", ContentType: "application/json", Body: `{"callId":"5","dateStart":"20.11.2026 10:00:00","nested":{"a":[1,2]}}`},
		{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: "callId=6&dateStart=2026-11-20T10:00:00%2B03:00"},
		{Method: "POST", ContentType: "text/plain", Body: "\xff\xfe garbage"},
		{Method: "GET", Query: "%%%&&==;;"},
		{Method: "POST", ContentType: "multipart/form-data; boundary=x", Body: "--x--"},
	}
	for _, s := range seeds {
		f.Add(s.Method, s.Query, s.ContentType, s.Body)
	}
	f.Fuzz(func(t *testing.T, method, query, contentType, body string) {
		r := Request{Method: method, Query: query, ContentType: contentType, Body: body}
		c, err := Parse(r, time.UTC)
		if err == nil && (c.CallID == "" || c.Start.IsZero() || c.End.IsZero()) {
			t.Fatalf("accepted a call without id or dates: %+v", c)
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error text")
		}
		raw := r.JSON()
		var back Request
		if jerr := json.Unmarshal([]byte(raw), &back); jerr != nil {
			t.Fatalf("raw envelope is not JSON: %v", jerr)
		}
		if utf8.ValidString(body) && back.Body != body {
			t.Fatalf("raw body changed: %q → %q", body, back.Body)
		}
		if !utf8.ValidString(body) && string(back.BodyBase64) != body {
			t.Fatal("non-UTF-8 body not kept byte for byte")
		}
		if _, jerr := json.Marshal(c.Params); jerr != nil {
			t.Fatalf("params do not encode: %v", jerr)
		}
	})
}
