package mango

import (
	"encoding/json"
	"fmt"
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
		{name: "bad escape alone is not fatal", req: Request{Method: "GET", Query: "callId=%zz"}, wantErr: "start date"},
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

// TestParseKeepsBadParametersRaw: a stray ';' or a lone '%' in a parameter
// nobody maps (a visitor's utm tags) is kept as received and flagged; the
// call id, dates and recording link still parse and the call is valid.
func TestParseKeepsBadParametersRaw(t *testing.T) {
	const good = "callId=MG-1&dateStart=2026-11-20T10:00:00Z&dateEnd=2026-11-20T10:03:00Z&recordUrl=https%3A%2F%2Frec.example.test%2F1.mp3"
	tests := []struct {
		name      string
		req       Request
		want      map[string]string // parameters and their values
		wantNotes []string          // substrings, one per note
	}{
		{name: "semicolon in utm_content",
			req:       Request{Method: "GET", Query: good + "&utm_content=a;b"},
			want:      map[string]string{"utm_content": "a;b"},
			wantNotes: []string{`"utm_content" kept as received: it holds an unencoded ';'`}},
		{name: "lone percent in utm_term",
			req:       Request{Method: "GET", Query: good + "&utm_term=100%"},
			want:      map[string]string{"utm_term": "100%"},
			wantNotes: []string{`"utm_term" kept as received: it is not properly %-encoded`}},
		{name: "both, plus a good escaped one",
			req:       Request{Method: "GET", Query: "utm_content=a;b&" + good + "&utm_term=100%&utm_source=%D1%8F%D0%BD%D0%B4%D0%B5%D0%BA%D1%81"},
			want:      map[string]string{"utm_content": "a;b", "utm_term": "100%", "utm_source": "яндекс"},
			wantNotes: []string{`"utm_content"`, `"utm_term"`}},
		{name: "bad escape in a name",
			req:       Request{Method: "GET", Query: good + "&ut%m=1"},
			want:      map[string]string{"ut%m": "1"},
			wantNotes: []string{`"ut%m" kept as received`}},
		{name: "form body",
			req:       Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: good + "&utm_term=50%+off"},
			want:      map[string]string{"utm_term": "50%+off"},
			wantNotes: []string{`body parameter "utm_term"`}},
		{name: "clean request has no notes",
			req:  Request{Method: "GET", Query: good + "&utm_content=a%3Bb"},
			want: map[string]string{"utm_content": "a;b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.req, time.UTC)
			if err != nil {
				t.Fatalf("call refused: %v", err)
			}
			if c.CallID != "MG-1" || !c.Start.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) ||
				!c.End.Equal(time.Date(2026, 11, 20, 10, 3, 0, 0, time.UTC)) {
				t.Fatalf("id %q start %v end %v", c.CallID, c.Start, c.End)
			}
			if got := c.Params.Get(AliasRecording...); got != "https://rec.example.test/1.mp3" {
				t.Fatalf("recording link %q", got)
			}
			for k, v := range tt.want {
				if c.Params[k] != v {
					t.Errorf("%s = %q, want %q", k, c.Params[k], v)
				}
			}
			if len(c.Notes) != len(tt.wantNotes) {
				t.Fatalf("notes %q, want %d", c.Notes, len(tt.wantNotes))
			}
			for i, n := range tt.wantNotes {
				if !strings.Contains(c.Notes[i], n) {
					t.Errorf("note %q does not mention %q", c.Notes[i], n)
				}
			}
		})
	}
}

func TestParseBoundsNotes(t *testing.T) {
	var b strings.Builder
	b.WriteString("callId=1&dateStart=1764000000&dateEnd=1764000060")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "&p%d=%%", i)
	}
	c, err := Parse(Request{Method: "GET", Query: b.String()}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != maxNotes || c.Params["p499"] != "%" {
		t.Fatalf("%d notes (want %d), p499=%q", len(c.Notes), maxNotes, c.Params["p499"])
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
		{Method: "GET", Query: "callId=7&dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:05Z&utm_content=a;b&utm_term=100%"},
		{Method: "GET", Query: "callId=8;9&dateStart=1764000000&dateEnd=1764000060&%zz=%&x=%2"},
		{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: "callId=10&dateStart=1764000000&dateEnd=1764000060&utm_term=50%+off;now"},
		{Method: "GET", Query: "a=%E2%82&b=%e2%82%ac&c=%"},
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
