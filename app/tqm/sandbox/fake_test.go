package sandbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
)

const key = "fake-key-0a1b2c3d4e"

var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return time.FixedZone("MSK", 3*3600)
	}
	return loc
}()

// fields returns a valid call (camelCase) ending an hour ago, Moscow time.
func fields(id string) map[string]string {
	end := time.Now().Add(-time.Hour).In(moscow)
	return map[string]string{
		"id": id, "callDirection": "inbound",
		"startDate": end.Add(-3 * time.Minute).Format(DateLayout), "endDate": end.Format(DateLayout),
		"hangupParty": "client", "operatorId": "Отдел продаж", "operatorChannel": "left",
		"clientPhoneNumber": "74951234567", "fileLink": "https://rec.test/a.mp3",
	}
}

type request struct {
	method, path, contentType, auth string
	query                           string
	body                            []byte
}

func do(t *testing.T, s *Server, r request) (*http.Response, map[string]string) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	u := s.URL() + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	req, err := http.NewRequest(r.method, u, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.auth != "-" {
		if r.auth == "" {
			r.auth = "Basic " + key
		}
		req.Header.Set("Authorization", r.auth)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var msg map[string]string
	_ = json.Unmarshal(b, &msg)
	return resp, msg
}

func v2(m map[string]string) request {
	q := url.Values{"apiVersion": {"1.0"}}
	for k, v := range m {
		q.Set(k, v)
	}
	return request{path: "/v2/integration/import/call", query: q.Encode()}
}

func pascal(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	return out
}

func v1(m map[string]string) request {
	b, _ := json.Marshal(pascal(m))
	return request{path: "/integration/import/call", contentType: "application/json", body: b}
}

type part struct {
	name, filename string
	data           []byte
}

func multipartBody(parts ...part) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename != "" {
			w, _ := mw.CreateFormFile(p.name, p.filename)
			_, _ = w.Write(p.data)
		} else {
			_ = mw.WriteField(p.name, string(p.data))
		}
	}
	_ = mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func withFile(api string, value map[string]string, file []byte, extra ...part) request {
	if api == "v1" {
		value = pascal(value)
	}
	js, _ := json.Marshal(value)
	parts := append([]part{{name: "value", data: js}, {name: "file", filename: "call.wav", data: file}}, extra...)
	ct, body := multipartBody(parts...)
	path := "/integration/import/call/with-file"
	if api == "v2" {
		path = "/v2" + path
	}
	return request{path: path, contentType: ct, body: body}
}

func wav(channels int) []byte {
	var b bytes.Buffer
	data := make([]byte, 1600*channels)
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(channels), uint32(8000),
		uint32(8000 * channels * 2), uint16(channels * 2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// alaw turns a wav() header into an A-law one (format tag 6): not PCM.
func alaw(b []byte) []byte { b[20] = 6; return b }

// TestFakeTakesPCMWAVOver32MB: an original PCM-WAV may be up to 100 MB
// (TQM converts it to MP3; docs/tqm.md §3.2).
func TestFakeTakesPCMWAVOver32MB(t *testing.T) {
	s := New(key)
	defer s.Close()
	resp, msg := do(t, s, withFile("v2", fields("X"), append(wav(2), make([]byte, MaxFile)...)))
	if resp.StatusCode != 200 || len(s.Accepted()) != 1 || s.Accepted()[0].FileSize <= MaxFile {
		t.Fatalf("status %d (%v), accepted %d", resp.StatusCode, msg, len(s.Accepted()))
	}
}

func without(m map[string]string, k string) map[string]string { delete(m, k); return m }
func with(m map[string]string, k, v string) map[string]string { m[k] = v; return m }

func TestFakeAcceptsValidRequests(t *testing.T) {
	s := New(key)
	defer s.Close()
	mp3 := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 100)...)
	frame := append([]byte{0xFF, 0xFB, 0x90, 0xC4}, make([]byte, 100)...) // MPEG-1 layer III, mono
	tests := []struct {
		name                string
		req                 request
		format              string
		channels            int
		api, apiVersion, id string
	}{
		{"v2", v2(fields("A-1")), "", 0, "v2", "1.0", "A-1"},
		{"v2 without apiVersion", request{path: "/v2/integration/import/call", query: func() string {
			q := url.Values{}
			for k, v := range fields("A-2") {
				q.Set(k, v)
			}
			return q.Encode()
		}()}, "", 0, "v2", "", "A-2"},
		{"v2 outbound, all optional", v2(with(with(with(with(with(fields("A-3"), "callDirection", "outbound"), "hangupParty", "server"),
			"languageCode", "ru"), "taskType", "sales"), "result", "ok")), "", 0, "v2", "1.0", "A-3"},
		{"v2 minimal", v2(without(without(without(without(fields("A-4"), "hangupParty"), "operatorId"), "operatorChannel"), "clientPhoneNumber")), "", 0, "v2", "1.0", "A-4"},
		{"v1", v1(fields("B-1")), "", 0, "v1", "", "B-1"},
		{"v1 with charset", func() request { r := v1(fields("B-2")); r.contentType += "; charset=utf-8"; return r }(), "", 0, "v1", "", "B-2"},
		{"v2 with-file wav", withFile("v2", without(fields("C-1"), "fileLink"), wav(2)), "wav", 2, "v2", "", "C-1"},
		{"v1 with-file wav mono", withFile("v1", without(fields("C-2"), "fileLink"), wav(1)), "wav", 1, "v1", "", "C-2"},
		{"with-file id3", withFile("v2", without(fields("C-3"), "fileLink"), mp3), "mp3", 0, "v2", "", "C-3"},
		{"with-file mpeg frame", withFile("v2", without(fields("C-4"), "fileLink"), frame), "mp3", 1, "v2", "", "C-4"},
		{"with-file keeps a link", withFile("v2", fields("C-5"), wav(2)), "wav", 2, "v2", "", "C-5"},
		{"id of 32", v2(fields(strings.Repeat("Я", 32))), "", 0, "v2", "1.0", strings.Repeat("Я", 32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, msg := do(t, s, tt.req)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %v", resp.StatusCode, msg)
			}
			got := s.Find(tt.id)
			if len(got) != 1 {
				t.Fatalf("recorded %d", len(got))
			}
			r := got[0]
			if r.CorrelationID == "" || r.CorrelationID != resp.Header.Get("x-correlation-id") {
				t.Errorf("correlation id %q vs header %q", r.CorrelationID, resp.Header.Get("x-correlation-id"))
			}
			if r.API != tt.api || r.APIVersion != tt.apiVersion || r.FileFormat != tt.format || r.FileChannels != tt.channels ||
				r.WithFile != (tt.format != "") || r.Fields["id"] != tt.id || r.Fields["callDirection"] == "" {
				t.Errorf("recorded %+v", r)
			}
		})
	}
	if st := s.Stats(); st.Accepted != len(tests) || st.Rejected != 0 || st.Requests != len(tests) {
		t.Errorf("stats %+v", st)
	}
}

func TestFakeRejectsInvalidRequests(t *testing.T) {
	s := New(key)
	defer s.Close()
	future := time.Now().Add(time.Hour).In(moscow).Format(DateLayout)
	long := "https://rec.test/" + strings.Repeat("a", 2000)
	tests := []struct {
		name   string
		req    request
		status int
		says   string // the message names this
	}{
		{"GET", func() request { r := v2(fields("X")); r.method = "GET"; return r }(), 405, "POST"},
		{"PUT", func() request { r := v2(fields("X")); r.method = "PUT"; return r }(), 405, "POST"},
		{"unknown path", request{path: "/v2/integration/import/chat"}, 404, "no such method"},
		{"trailing slash", func() request { r := v2(fields("X")); r.path += "/"; return r }(), 404, ""},
		{"v3 path", func() request { r := v2(fields("X")); r.path = "/v3/integration/import/call"; return r }(), 404, ""},
		{"no key", func() request { r := v2(fields("X")); r.auth = "-"; return r }(), 401, "key"},
		{"wrong key", func() request { r := v2(fields("X")); r.auth = "Basic other"; return r }(), 401, "key"},
		{"bearer", func() request { r := v2(fields("X")); r.auth = "Bearer " + key; return r }(), 401, "key"},
		{"lower-case basic", func() request { r := v2(fields("X")); r.auth = "basic " + key; return r }(), 401, "key"},
		{"base64 key", func() request { r := v2(fields("X")); r.auth = "Basic ZmFrZS1rZXktMGExYjJjM2Q0ZQ=="; return r }(), 401, "key"},
		{"missing id", v2(without(fields("X"), "id")), 400, "id"},
		{"empty id", v2(with(fields("X"), "id", "")), 400, "id"},
		{"id of 33", v2(fields(strings.Repeat("1", 33))), 400, "id"},
		{"missing callDirection", v2(without(fields("X"), "callDirection")), 400, "callDirection"},
		{"capitalised direction", v2(with(fields("X"), "callDirection", "Inbound")), 400, "callDirection"},
		{"other direction", v2(with(fields("X"), "callDirection", "incoming")), 400, "callDirection"},
		{"missing startDate", v2(without(fields("X"), "startDate")), 400, "startDate"},
		{"missing endDate", v2(without(fields("X"), "endDate")), 400, "endDate"},
		{"date with zone", v2(with(fields("X"), "startDate", fields("X")["startDate"]+"+03:00")), 400, "startDate"},
		{"date with Z", v2(with(fields("X"), "endDate", fields("X")["endDate"]+"Z")), 400, "endDate"},
		{"date with fraction", v2(with(fields("X"), "startDate", fields("X")["startDate"]+".123")), 400, "startDate"},
		{"date with space", v2(with(fields("X"), "startDate", strings.Replace(fields("X")["startDate"], "T", " ", 1))), 400, "startDate"},
		{"date only", v2(with(fields("X"), "startDate", "2024-01-02")), 400, "startDate"},
		{"unix time", v2(with(fields("X"), "startDate", "1700000000")), 400, "startDate"},
		{"future end", v2(with(fields("X"), "endDate", future)), 400, "endDate"},
		{"future start and end", v2(with(with(fields("X"), "endDate", future), "startDate", future)), 400, "startDate"},
		{"end before start", v2(with(with(fields("X"), "startDate", fields("X")["endDate"]), "endDate", fields("X")["startDate"])), 400, "endDate"},
		{"missing fileLink", v2(without(fields("X"), "fileLink")), 400, "fileLink"},
		{"fileLink of 2001", v2(with(fields("X"), "fileLink", long[:2001])), 400, "fileLink"},
		{"fileLink not a URL", v2(with(fields("X"), "fileLink", "rec/a.mp3")), 400, "fileLink"},
		{"fileLink ftp", v2(with(fields("X"), "fileLink", "ftp://rec.test/a.mp3")), 400, "fileLink"},
		{"bad channel", v2(with(fields("X"), "operatorChannel", "centre")), 400, "operatorChannel"},
		{"capitalised channel", v2(with(fields("X"), "operatorChannel", "Left")), 400, "operatorChannel"},
		{"empty channel", v2(with(fields("X"), "operatorChannel", "")), 400, "operatorChannel"},
		{"bad hangupParty", v2(with(fields("X"), "hangupParty", "nobody")), 400, "hangupParty"},
		{"capitalised hangupParty", v2(with(fields("X"), "hangupParty", "Client")), 400, "hangupParty"},
		{"unknown field", v2(with(fields("X"), "colour", "red")), 400, "colour"},
		{"v1 name in v2", v2(with(without(fields("X"), "id"), "Id", "X")), 400, "Id"},
		{"repeated parameter", func() request { r := v2(fields("X")); r.query += "&id=Y"; return r }(), 400, "id"},
		{"v2 with a body", func() request { r := v2(fields("X")); r.body = []byte(`{"id":"X"}`); return r }(), 400, "body"},
		{"v2 as JSON only", func() request {
			b, _ := json.Marshal(fields("X"))
			return request{path: "/v2/integration/import/call", contentType: "application/json", body: b}
		}(), 400, "body"},
		{"v1 camelCase", func() request {
			b, _ := json.Marshal(fields("X"))
			return request{path: "/integration/import/call", contentType: "application/json", body: b}
		}(), 400, "PascalCase"},
		{"v1 no content type", func() request { r := v1(fields("X")); r.contentType = ""; return r }(), 400, "JSON"},
		{"v1 form", func() request { r := v1(fields("X")); r.contentType = "application/x-www-form-urlencoded"; return r }(), 400, "JSON"},
		{"v1 as query", func() request { r := v2(fields("X")); r.path = "/integration/import/call"; return r }(), 400, "JSON"},
		{"v1 query and body", func() request { r := v1(fields("X")); r.query = "apiVersion=1.0"; return r }(), 400, "query"},
		{"v1 number", func() request {
			m := map[string]any{}
			for k, v := range pascal(fields("X")) {
				m[k] = v
			}
			m["Id"] = 42
			b, _ := json.Marshal(m)
			return request{path: "/integration/import/call", contentType: "application/json", body: b}
		}(), 400, "Id"},
		{"v1 not JSON", request{path: "/integration/import/call", contentType: "application/json", body: []byte("Id=1")}, 400, "JSON"},
		{"v1 array", request{path: "/integration/import/call", contentType: "application/json", body: []byte("[]")}, 400, "JSON"},
		{"v1 unknown field", v1(with(fields("X"), "colour", "red")), 400, "Colour"},
		{"v1 invalid direction", v1(with(fields("X"), "callDirection", "in")), 400, "callDirection"},
		{"with-file not audio", withFile("v2", fields("X"), []byte("plain text, not audio at all")), 400, "file"},
		{"with-file AAC", withFile("v2", fields("X"), append([]byte{0xFF, 0xF1, 0x50, 0x80}, make([]byte, 64)...)), 400, "file"},
		{"with-file empty file", withFile("v2", fields("X"), nil), 400, "file"},
		{"with-file no value", func() request {
			ct, b := multipartBody(part{name: "file", filename: "a.wav", data: wav(2)})
			return request{path: "/v2/integration/import/call/with-file", contentType: ct, body: b}
		}(), 400, "value"},
		{"with-file no file", func() request {
			js, _ := json.Marshal(fields("X"))
			ct, b := multipartBody(part{name: "value", data: js})
			return request{path: "/v2/integration/import/call/with-file", contentType: ct, body: b}
		}(), 400, "file"},
		{"with-file two files", withFile("v2", fields("X"), wav(2), part{name: "file", filename: "b.wav", data: wav(2)}), 400, "file"},
		{"with-file extra part", withFile("v2", fields("X"), wav(2), part{name: "comment", data: []byte("hi")}), 400, "comment"},
		{"with-file fields in query", func() request {
			r := withFile("v2", fields("X"), wav(2))
			r.query = "id=X"
			return r
		}(), 400, "id"},
		{"with-file v1 casing in v2", withFile("v2", pascal(fields("X")), wav(2)), 400, "camelCase"},
		{"with-file v2 casing in v1", func() request {
			js, _ := json.Marshal(fields("X"))
			ct, b := multipartBody(part{name: "value", data: js}, part{name: "file", filename: "a.wav", data: wav(2)})
			return request{path: "/integration/import/call/with-file", contentType: ct, body: b}
		}(), 400, "PascalCase"},
		{"with-file value invalid", withFile("v2", with(fields("X"), "callDirection", "sideways"), wav(2)), 400, "callDirection"},
		{"with-file not multipart", func() request { r := v1(fields("X")); r.path = "/integration/import/call/with-file"; return r }(), 400, "multipart"},
		{"with-file MP3 over 32 MB", withFile("v2", fields("X"), append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, MaxFile)...)), 400, "32 MB"},
		{"with-file A-law WAV over 32 MB", withFile("v2", fields("X"), append(alaw(wav(2)), make([]byte, MaxFile)...)), 400, "32 MB"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Rejected())
			resp, msg := do(t, s, tt.req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%v), want %d", resp.StatusCode, msg, tt.status)
			}
			if !strings.Contains(msg["message"], tt.says) {
				t.Errorf("message %q does not name %q", msg["message"], tt.says)
			}
			corr := resp.Header.Get("x-correlation-id")
			if corr == "" || seen[corr] {
				t.Errorf("correlation id %q missing or repeated", corr)
			}
			seen[corr] = true
			rej := s.Rejected()
			if len(rej) != before+1 || rej[len(rej)-1].Status != tt.status || rej[len(rej)-1].CorrelationID != corr || rej[len(rej)-1].Injected {
				t.Errorf("rejection not recorded: %+v", rej[before:])
			}
		})
	}
	if n := len(s.Accepted()); n != 0 {
		t.Fatalf("fake accepted %d invalid requests: %+v", n, s.Accepted())
	}
}

func TestFakeOptions(t *testing.T) {
	t.Run("enum case", func(t *testing.T) {
		s := New(key)
		defer s.Close()
		req := v2(with(with(with(fields("E-1"), "callDirection", "Inbound"), "operatorChannel", "LEFT"), "hangupParty", "Client"))
		if resp, _ := do(t, s, req); resp.StatusCode != 400 {
			t.Fatalf("strict: %d", resp.StatusCode)
		}
		s.SetEnumMatch(EnumAnyCase)
		if resp, msg := do(t, s, req); resp.StatusCode != 200 {
			t.Fatalf("any case: %d %v", resp.StatusCode, msg)
		}
		if resp, _ := do(t, s, v2(with(fields("E-2"), "callDirection", "sideways"))); resp.StatusCode != 400 {
			t.Fatalf("any case still checks the value: %d", resp.StatusCode)
		}
	})
	t.Run("skew, clock and zone", func(t *testing.T) {
		s := New(key)
		defer s.Close()
		now := time.Date(2025, 3, 1, 12, 0, 0, 0, moscow)
		s.SetNow(func() time.Time { return now })
		call := func(id string, end time.Time) map[string]string {
			return with(with(fields(id), "startDate", end.Add(-time.Minute).Format(DateLayout)), "endDate", end.Format(DateLayout))
		}
		ahead := call("S-1", now.Add(90*time.Second))
		if resp, msg := do(t, s, v2(ahead)); resp.StatusCode != 200 {
			t.Fatalf("within the default 2 min skew: %d %v", resp.StatusCode, msg)
		}
		s.SetSkew(0)
		if resp, _ := do(t, s, v2(with(ahead, "id", "S-2"))); resp.StatusCode != 400 {
			t.Fatalf("no skew: %d", resp.StatusCode)
		}
		// 12:30 in Yekaterinburg (UTC+5) is 10:30 in Moscow: not in the future once the zone is set.
		ekb := time.FixedZone("YEKT", 5*3600)
		local := call("S-3", time.Date(2025, 3, 1, 12, 30, 0, 0, ekb))
		if resp, _ := do(t, s, v2(local)); resp.StatusCode != 400 {
			t.Fatalf("read as Moscow time, 12:30 is in the future: %d", resp.StatusCode)
		}
		s.SetLocation(ekb)
		if resp, msg := do(t, s, v2(local)); resp.StatusCode != 200 {
			t.Fatalf("read as Yekaterinburg time: %d %v", resp.StatusCode, msg)
		}
	})
}

func TestFakeControls(t *testing.T) {
	s := New(key)
	defer s.Close()
	n := 0
	send := func() int {
		n++
		resp, _ := do(t, s, v2(fields("K-"+strings.Repeat("x", n%3)+string(rune('a'+n%26)))))
		return resp.StatusCode
	}

	s.FailNext(2, 500)
	if a, b, c := send(), send(), send(); a != 500 || b != 500 || c != 200 {
		t.Fatalf("FailNext: %d %d %d", a, b, c)
	}
	s.SetOutage(503)
	for i := 0; i < 3; i++ {
		if got := send(); got != 503 {
			t.Fatalf("outage: %d", got)
		}
	}
	s.ClearOutage()
	if got := send(); got != 200 {
		t.Fatalf("after outage: %d", got)
	}
	s.SetKey("new-key")
	if got := send(); got != 401 {
		t.Fatalf("old key after SetKey: %d", got)
	}
	s.SetKey(key)

	st := s.Stats()
	if st.Requests != 8 || st.Accepted != 2 || st.Injected != 5 || st.Rejected != 6 {
		t.Fatalf("stats %+v", st)
	}
	rej := s.Rejected()
	if len(rej) != 6 || !rej[0].Injected || rej[0].ID == "" || rej[5].Injected || rej[5].Status != 401 {
		t.Fatalf("rejections %+v", rej)
	}

	// Flaky: the seed makes it repeatable; about p of the requests fail,
	// none of them counts as accepted.
	runFlaky := func() []int {
		s.Reset()
		s.SetFlaky(0.3, 42)
		var codes []int
		for i := 0; i < 200; i++ {
			resp, _ := do(t, s, v2(fields("F-"+string(rune('A'+i%26))+string(rune('A'+i/26)))))
			codes = append(codes, resp.StatusCode)
		}
		s.SetFlaky(0, 0)
		return codes
	}
	first, second := runFlaky(), runFlaky()
	fails := 0
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("flaky with one seed differs at %d", i)
		}
		if first[i] == 503 {
			fails++
		} else if first[i] != 200 {
			t.Fatalf("flaky answered %d", first[i])
		}
	}
	if fails < 30 || fails > 90 {
		t.Fatalf("%d of 200 failed at p=0.3", fails)
	}
	if st := s.Stats(); st.Accepted != 200-fails || st.Injected != fails || len(s.Accepted()) != 200-fails {
		t.Fatalf("flaky stats %+v, %d failures", st, fails)
	}
}

func TestFakeDelayAndLostAnswers(t *testing.T) {
	s := New(key)
	defer s.Close()
	s.SetDelay(300 * time.Millisecond)
	start := time.Now()
	if resp, _ := do(t, s, v2(fields("D-1"))); resp.StatusCode != 200 || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("delay: %d after %v", resp.StatusCode, time.Since(start))
	}
	// The client gives up; TQM still takes the call: the answer is lost.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r := v2(fields("D-2"))
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+r.path+"?"+r.query, nil)
	req.Header.Set("Authorization", "Basic "+key)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("expected a client timeout")
	}
	clocktest.Eventually(t, "the timed-out call stored", func() bool { return s.CountByID("D-2") > 0 })
	got := s.Find("D-2")
	if len(got) != 1 || !got[0].AnswerLost || s.Stats().AnswerLost != 1 {
		t.Fatalf("lost answer: %+v %+v", got, s.Stats())
	}
	// Close does not wait out a long delay.
	s.SetDelay(time.Hour)
	before := s.Stats().Requests
	go func() {
		resp, err := http.Post(s.URL()+r.path, "", nil)
		if err == nil {
			resp.Body.Close()
		}
	}()
	clocktest.Eventually(t, "the slow request arrived", func() bool { return s.Stats().Requests > before })
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on a delayed request")
	}
}

func TestFakeConcurrent(t *testing.T) {
	s := New(key)
	defer s.Close()
	var wg sync.WaitGroup
	ids := map[string]bool{}
	var mu sync.Mutex
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				resp, _ := do(t, s, v2(fields(string(rune('a'+w))+"-"+string(rune('a'+i)))))
				mu.Lock()
				if ids[resp.Header.Get("x-correlation-id")] {
					t.Errorf("correlation id repeated")
				}
				ids[resp.Header.Get("x-correlation-id")] = true
				mu.Unlock()
				if w == 0 && i == 10 {
					s.FailNext(1, 502)
				}
			}
		}(w)
	}
	wg.Wait()
	if st := s.Stats(); st.Requests != 160 || st.Accepted+st.Rejected != 160 || st.Injected != 1 || len(s.AcceptedIDs()) != 159 {
		t.Fatalf("stats %+v, %d ids", st, len(s.AcceptedIDs()))
	}
}

func TestUnstarted(t *testing.T) {
	s := NewUnstarted(key)
	if s.URL() != "" {
		t.Fatal("URL before Start")
	}
	s.Close() // harmless
	s2 := NewUnstarted(key)
	s2.Start()
	defer s2.Close()
	if resp, _ := do(t, s2, v2(fields("U-1"))); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name     string
		b        []byte
		format   string
		channels int
	}{
		{"wav stereo", wav(2), "wav", 2},
		{"wav header only", []byte("RIFF\x00\x00\x00\x00WAVE"), "wav", 0},
		{"riff avi", []byte("RIFF\x00\x00\x00\x00AVI LIST"), "", 0},
		{"id3", []byte("ID3\x03"), "mp3", 0},
		{"mpeg stereo", []byte{0xFF, 0xFB, 0x90, 0x00}, "mp3", 2},
		{"mpeg mono", []byte{0xFF, 0xF3, 0x90, 0xC0}, "mp3", 1},
		{"adts aac", []byte{0xFF, 0xF1, 0x50, 0x80}, "", 0},
		{"ogg", []byte("OggS\x00\x02"), "", 0},
		{"empty", nil, "", 0},
	}
	for _, tt := range tests {
		if f, c := Sniff(tt.b); f != tt.format || c != tt.channels {
			t.Errorf("%s: %q %d, want %q %d", tt.name, f, c, tt.format, tt.channels)
		}
	}
}
