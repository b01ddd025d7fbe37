package tqm

import (
	"mangotqm/app/calls"

	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/tqm/sandbox"
)

const key = "test-key-9f8e7d6c5b"

var moscow = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return time.FixedZone("MSK", 3*3600)
	}
	return loc
}()

// validRequest is a call TQM should take; index by position in changes.
func validRequest(id string) Request {
	end := time.Now().Add(-time.Hour)
	return Request{
		{FieldID, id}, {FieldCallDirection, "inbound"},
		{FieldStartDate, end.Add(-2 * time.Minute).In(moscow).Format(DateLayout)},
		{FieldEndDate, end.In(moscow).Format(DateLayout)},
		{FieldHangupParty, "client"}, {FieldOperatorID, "Отдел продаж"}, {FieldOperatorChannel, "left"},
		{FieldClientPhoneNumber, "+74951234567"}, {FieldFileLink, "https://rec.test/a.mp3?x=1&y=2"},
		{FieldLanguageCode, "ru"}, {FieldReason, ""},
	}
}

func keyFn(k string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return k, nil }
}

func sentMap(r Request) map[string]string {
	m := map[string]string{}
	for _, f := range r.Fields() {
		m[f.Name] = f.Value
	}
	return m
}

func TestRequest(t *testing.T) {
	r := Request{{FieldID, "A"}, {FieldReason, ""}, {FieldResult, "ok"}, {FieldID, "B"}}
	if got := r.Fields(); !reflect.DeepEqual(got, []Field{{FieldID, "A"}, {FieldResult, "ok"}, {FieldID, "B"}}) {
		t.Errorf("Fields = %v", got)
	}
	if r.Get(FieldID) != "B" || r.Get(FieldReason) != "" || r.Get("nope") != "" {
		t.Errorf("Get: %q %q", r.Get(FieldID), r.Get(FieldReason))
	}
	want := []string{"id", "callDirection", "startDate", "endDate", "hangupParty", "operatorId", "operatorChannel",
		"clientPhoneNumber", "fileLink", "languageCode", "taskType", "reason", "result"}
	if !reflect.DeepEqual(FieldNames, want) {
		t.Errorf("FieldNames = %v", FieldNames)
	}
	for in, out := range map[string]string{"id": "Id", "clientPhoneNumber": "ClientPhoneNumber", "": ""} {
		if PascalCase(in) != out {
			t.Errorf("PascalCase(%q) = %q", in, PascalCase(in))
		}
	}
}

// TestClientAgainstFake sends through the strict fake: what arrives is
// exactly the non-empty fields, the key matched, the correlation id is kept.
func TestClientAgainstFake(t *testing.T) {
	for _, tt := range []struct{ api, apiVersion, wantVersion string }{
		{"v2", "1.0", "1.0"}, {"v2", "", ""}, {"v1", "1.0", ""},
	} {
		t.Run(tt.api+"/"+tt.apiVersion, func(t *testing.T) {
			fake := sandbox.New(key)
			defer fake.Close()
			c := &Client{BaseURL: fake.URL() + "/", API: tt.api, Key: keyFn(key), APIVersion: tt.apiVersion}
			req := validRequest("CALL-1")
			res, err := c.Send(context.Background(), req)
			if err != nil || res.Outcome != calls.OutcomeDelivered || res.HTTPStatus != 200 {
				t.Fatalf("send: %+v %v (rejections %+v)", res, err, fake.Rejected())
			}
			got := fake.Find("CALL-1")
			if len(got) != 1 || fake.CountByID("CALL-1") != 1 {
				t.Fatalf("fake accepted %d", len(got))
			}
			if got[0].API != tt.api || got[0].WithFile || got[0].APIVersion != tt.wantVersion {
				t.Errorf("received %+v", got[0])
			}
			if !reflect.DeepEqual(got[0].Fields, sentMap(req)) {
				t.Errorf("fields received:\n%v\nwant\n%v", got[0].Fields, sentMap(req))
			}
			if res.CorrelationID == "" || res.CorrelationID != got[0].CorrelationID {
				t.Errorf("correlation id %q, fake sent %q", res.CorrelationID, got[0].CorrelationID)
			}
			if res.Duration <= 0 {
				t.Error("no duration")
			}
			// The same client with a wrong key: 401, auth-rejected, still a correlation id.
			c.Key = keyFn("wrong-" + key)
			res, err = c.Send(context.Background(), validRequest("CALL-2"))
			if err != nil || res.Outcome != calls.OutcomePaused || res.HTTPStatus != 401 || res.CorrelationID == "" {
				t.Errorf("wrong key: %+v %v", res, err)
			}
			if strings.Contains(res.Response, key) {
				t.Errorf("body shows the key: %s", res.Response)
			}
		})
	}
}

// TestWireFormat looks at the raw requests: paths, query vs body, casing,
// headers.
func TestWireFormat(t *testing.T) {
	type captured struct {
		method, path, contentType, auth string
		query                           url.Values
		body                            []byte
	}
	var mu sync.Mutex
	var last captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = captured{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.URL.Query(), b}
		mu.Unlock()
	}))
	defer srv.Close()
	req := validRequest("WIRE-1")

	t.Run("v2", func(t *testing.T) {
		c := &Client{BaseURL: srv.URL, Key: keyFn("  " + key + "\n"), APIVersion: "1.0"}
		if _, err := c.Send(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if last.method != "POST" || last.path != "/v2/integration/import/call" || len(last.body) != 0 {
			t.Fatalf("%s %s body %q", last.method, last.path, last.body)
		}
		if last.auth != "Basic "+key {
			t.Errorf("Authorization %q, want the raw key (trimmed), not base64", last.auth)
		}
		if last.auth == "Basic "+base64.StdEncoding.EncodeToString([]byte(key)) {
			t.Error("key base64-encoded")
		}
		want := url.Values{"apiVersion": {"1.0"}}
		for k, v := range sentMap(req) {
			want.Set(k, v)
		}
		if !reflect.DeepEqual(last.query, want) {
			t.Errorf("query %v\nwant %v", last.query, want)
		}
	})
	t.Run("v1", func(t *testing.T) {
		c := &Client{BaseURL: srv.URL, API: "v1", Key: keyFn(key), APIVersion: "1.0"}
		if _, err := c.Send(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if last.path != "/integration/import/call" || len(last.query) != 0 || last.contentType != "application/json" {
			t.Fatalf("path %s query %v content type %q", last.path, last.query, last.contentType)
		}
		var body map[string]string
		if err := json.Unmarshal(last.body, &body); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for k, v := range sentMap(req) {
			want[PascalCase(k)] = v
		}
		if !reflect.DeepEqual(body, want) || body["Id"] != "WIRE-1" || body["ClientPhoneNumber"] == "" {
			t.Errorf("body %v\nwant %v", body, want)
		}
	})
	t.Run("with-file paths", func(t *testing.T) {
		for api, path := range map[string]string{"v2": "/v2/integration/import/call/with-file", "v1": "/integration/import/call/with-file"} {
			c := &Client{BaseURL: srv.URL, API: api, Key: keyFn(key), APIVersion: "1.0"}
			if _, err := c.SendWithFile(context.Background(), req, "a.wav", bytes.NewReader(wav(2))); err != nil {
				t.Fatal(err)
			}
			if last.path != path || !strings.HasPrefix(last.contentType, "multipart/form-data; boundary=") {
				t.Errorf("%s: %s %q", api, last.path, last.contentType)
			}
			if (api == "v2") != (last.query.Get("apiVersion") == "1.0") {
				t.Errorf("%s: query %v", api, last.query)
			}
		}
	})
}

func TestClassification(t *testing.T) {
	tests := []struct {
		status int
		want   calls.Outcome
	}{
		{200, calls.OutcomeDelivered}, {201, calls.OutcomeRejected}, {204, calls.OutcomeRejected}, {301, calls.OutcomeRejected}, {302, calls.OutcomeRejected}, {307, calls.OutcomeRejected},
		{400, calls.OutcomeRejected}, {401, calls.OutcomePaused}, {403, calls.OutcomePaused}, {404, calls.OutcomeRejected}, {408, calls.OutcomeRetry}, {413, calls.OutcomeRejected},
		{429, calls.OutcomeRetry}, {500, calls.OutcomeRetry}, {502, calls.OutcomeRetry}, {503, calls.OutcomeRetry}, {504, calls.OutcomeRetry},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			followed := false
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/moved" {
					followed = true
					return
				}
				if tt.status >= 300 && tt.status < 400 {
					w.Header().Set("Location", "/moved?token=abc")
				}
				w.Header().Set("X-Correlation-Id", "corr-x")
				w.WriteHeader(tt.status)
				if tt.status != 204 {
					_, _ = w.Write([]byte(`{"message":"echo ` + r.Header.Get("Authorization") + `"}`))
				}
			}))
			defer srv.Close()
			// A caller's client that would follow redirects: the Client must not.
			c := &Client{BaseURL: srv.URL, Key: keyFn(key), HTTP: &http.Client{}}
			res, err := c.Send(context.Background(), validRequest("X"))
			if err != nil || res.Outcome != tt.want || res.HTTPStatus != tt.status || res.CorrelationID != "corr-x" {
				t.Fatalf("%+v %v, want class %v", res, err, tt.want)
			}
			if outcomeOf(tt.status) != tt.want {
				t.Errorf("outcomeOf(%d) = %v", tt.status, outcomeOf(tt.status))
			}
			if followed {
				t.Error("redirect followed")
			}
			if strings.Contains(res.Response, key) {
				t.Errorf("key echoed in body excerpt %q", res.Response)
			}
			if tt.status >= 300 && tt.status < 400 && (!strings.Contains(res.Response, "redirect") || strings.Contains(res.Response, "token=abc")) {
				t.Errorf("3xx body should explain the redirect without its query: %q", res.Response)
			}
		})
	}
}

func TestNoAnswerIsRetryAndNeverShowsTheKey(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	_ = l.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		c       *Client
		wantErr error
	}{
		{"connection refused", context.Background(), &Client{BaseURL: refused, Key: keyFn(key)}, nil},
		{"client timeout", context.Background(), &Client{BaseURL: slow.URL, Key: keyFn(key), Timeout: 100 * time.Millisecond}, nil},
		{"timeout with own HTTP client", context.Background(), &Client{BaseURL: slow.URL, Key: keyFn(key), HTTP: &http.Client{}, Timeout: 100 * time.Millisecond}, context.DeadlineExceeded},
		{"cancelled", cancelled, &Client{BaseURL: slow.URL, Key: keyFn(key)}, context.Canceled},
		{"bad base URL", context.Background(), &Client{BaseURL: "http://[::1", Key: keyFn(key)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res, err := tt.c.Send(tt.ctx, validRequest("Y"))
			if err == nil || res.HTTPStatus != 0 {
				t.Fatalf("%+v %v, want an error without status", res, err)
			}
			if tt.name != "bad base URL" && res.Outcome != calls.OutcomeRetry {
				t.Errorf("class %v, want retry", res.Outcome)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err %v does not wrap %v", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "74951234567") {
				t.Errorf("error exposes the key or call data: %v", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestKeyProblems(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	storeErr := errors.New("keychain read tqm_key: secret store unavailable")
	tests := []struct {
		name    string
		key     func(context.Context) (string, error)
		wantErr error
	}{
		{"no key func", nil, ErrNoKey},
		{"store fails", func(context.Context) (string, error) { return "", storeErr }, storeErr},
		{"empty", keyFn("   "), ErrNoKey},
		{"line break inside", keyFn("abc\r\nX-Evil: " + key), ErrBadKey},
		{"cyrillic", keyFn("ключ" + key), ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, send := range []func(*Client) (calls.Result, error){
				func(c *Client) (calls.Result, error) { return c.Send(context.Background(), validRequest("K")) },
				func(c *Client) (calls.Result, error) {
					return c.SendWithFile(context.Background(), validRequest("K"), "a.wav", bytes.NewReader(wav(1)))
				},
			} {
				res, err := send(&Client{BaseURL: srv.URL, Key: tt.key})
				if !errors.Is(err, tt.wantErr) || res.Outcome != calls.OutcomePaused {
					t.Fatalf("%+v %v, want %v", res, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), key) {
					t.Fatalf("error shows the key: %v", err)
				}
			}
		})
	}
	if hits != 0 {
		t.Fatalf("%d requests sent without a usable key", hits)
	}
}

func TestBodyExcerpt(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"key across the 2 KiB edge", strings.Repeat("x", bodyExcerpt-12) + key + strings.Repeat("y", 5000)},
		{"key in the middle", strings.Repeat("x", 100) + key + strings.Repeat("y", 100)},
		{"multibyte at the edge", strings.Repeat("я", 3000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(400)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			res, err := (&Client{BaseURL: srv.URL, Key: keyFn(key)}).Send(context.Background(), validRequest("B"))
			if err != nil || res.Outcome != calls.OutcomeRejected {
				t.Fatalf("%+v %v", res, err)
			}
			if len(res.Response) > bodyExcerpt || len(res.Response) < 100 {
				t.Errorf("excerpt of %d bytes", len(res.Response))
			}
			for i := len(key) / 2; i <= len(key); i++ { // no recognisable piece of the key
				if strings.Contains(res.Response, key[:i]) {
					t.Fatalf("key piece %q in excerpt", key[:i])
				}
			}
			if !strings.HasPrefix(res.Response, tt.body[:50]) || !isValidUTF8(res.Response) {
				t.Errorf("excerpt mangled: %.60q", res.Response)
			}
		})
	}
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

// wav is a valid PCM WAV: the 44-byte header and 0.1 s of silence at 8 kHz.
func wav(channels int) []byte {
	var b bytes.Buffer
	data := make([]byte, 8000*channels*2/10)
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

func TestSendWithFile(t *testing.T) {
	file := wav(2)
	if string(file[:4]) != "RIFF" || binary.LittleEndian.Uint32(file[40:44]) != uint32(len(file)-44) {
		t.Fatal("bad test WAV")
	}
	for _, api := range []string{"v2", "v1"} {
		t.Run(api, func(t *testing.T) {
			fake := sandbox.New(key)
			defer fake.Close()
			c := &Client{BaseURL: fake.URL(), API: api, Key: keyFn(key), APIVersion: "1.0"}
			req := validRequest("FILE-1")
			req[8].Value = "" // no link: the file is uploaded
			res, err := c.SendWithFile(context.Background(), req, "call.wav", bytes.NewReader(file))
			if err != nil || res.Outcome != calls.OutcomeDelivered || res.CorrelationID == "" {
				t.Fatalf("%+v %v %+v", res, err, fake.Rejected())
			}
			got := fake.Find("FILE-1")
			if len(got) != 1 || !got[0].WithFile || got[0].FileFormat != "wav" || got[0].FileChannels != 2 ||
				got[0].FileSize != len(file) || got[0].FileName != "call.wav" {
				t.Fatalf("fake got %+v", got)
			}
			if !reflect.DeepEqual(got[0].Fields, sentMap(req)) {
				t.Errorf("fields %v, want %v", got[0].Fields, sentMap(req))
			}
			res, _ = c.SendWithFile(context.Background(), validRequest("FILE-2"), "x.txt", strings.NewReader("not audio"))
			if res.HTTPStatus != 400 || res.Outcome != calls.OutcomeRejected || !strings.Contains(res.Response, "file") {
				t.Fatalf("a non-audio file: %+v", res)
			}
			if n := fake.CountByID("FILE-2"); n != 0 {
				t.Fatalf("non-audio accepted %d times", n)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk gone") }

func TestSendWithFileReadError(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	res, err := (&Client{BaseURL: srv.URL, Key: keyFn(key)}).SendWithFile(context.Background(), validRequest("R"), "a.wav", failingReader{})
	if err == nil || !strings.Contains(err.Error(), "disk gone") || res.HTTPStatus != 0 || hits != 0 {
		t.Fatalf("%+v %v hits %d", res, err, hits)
	}
}
