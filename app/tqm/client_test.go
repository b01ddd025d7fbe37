package tqm

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mangotqm/app/tqm/tqmfake"
)

const key = "test-key-9f8e7d6c5b"

func validFields(id string) []Field {
	end := time.Now().Add(-time.Hour)
	moscow, _ := time.LoadLocation("Europe/Moscow")
	return []Field{
		{"id", id}, {"callDirection", "inbound"},
		{"startDate", end.Add(-2 * time.Minute).In(moscow).Format("2006-01-02T15:04:05")},
		{"endDate", end.In(moscow).Format("2006-01-02T15:04:05")},
		{"hangupParty", "client"}, {"operatorId", "Отдел продаж"}, {"operatorChannel", "left"},
		{"clientPhoneNumber", "74951234567"}, {"fileLink", "https://rec.test/a.mp3"}, {"reason", ""},
	}
}

func keyFn(k string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return k, nil }
}

func TestClientAgainstFake(t *testing.T) {
	for _, api := range []string{"v2", "v1"} {
		t.Run(api, func(t *testing.T) {
			fake := tqmfake.New(key)
			defer fake.Close()
			c := &Client{BaseURL: fake.URL(), API: api, Key: keyFn(key), APIVersion: "1.0"}
			res, err := c.Send(context.Background(), validFields("CALL-1"))
			if err != nil || res.Class != Accepted || res.HTTPStatus != 200 {
				t.Fatalf("send: %+v %v (rejections %+v)", res, err, fake.Rejections())
			}
			got := fake.Find("CALL-1")
			if len(got) != 1 {
				t.Fatalf("fake accepted %d", len(got))
			}
			if res.CorrelationID == "" || res.CorrelationID != got[0].CorrelationID {
				t.Errorf("correlation id %q, fake sent %q", res.CorrelationID, got[0].CorrelationID)
			}
			for _, f := range validFields("CALL-1") {
				if got[0].Fields[f.Name] != f.Value {
					t.Errorf("%s = %q, want %q", f.Name, got[0].Fields[f.Name], f.Value)
				}
			}
			if _, sent := got[0].Fields["reason"]; sent {
				t.Error("empty field sent")
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		status int
		want   Class
	}{
		{200, Accepted}, {201, Rejected}, {302, Rejected}, {400, Rejected}, {401, AuthRejected},
		{403, AuthRejected}, {404, Rejected}, {408, Retry}, {429, Retry}, {500, Retry}, {503, Retry},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tt.status == 302 {
				w.Header().Set("Location", "https://elsewhere.test/")
			}
			w.Header().Set("X-Correlation-Id", "corr-x")
			w.WriteHeader(tt.status)
			_, _ = w.Write([]byte("echo " + r.Header.Get("Authorization")))
		}))
		res, err := (&Client{BaseURL: srv.URL, Key: keyFn(key)}).Send(context.Background(), validFields("X"))
		srv.Close()
		if err != nil || res.Class != tt.want || res.HTTPStatus != tt.status || res.CorrelationID != "corr-x" {
			t.Errorf("HTTP %d: %+v %v, want class %v", tt.status, res, err, tt.want)
		}
		if strings.Contains(res.Body, key) {
			t.Errorf("HTTP %d: key echoed in body excerpt %q", tt.status, res.Body)
		}
	}
}

func TestNoAnswerIsRetryAndNeverShowsTheKey(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	_ = l.Close() // connection refused
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(2 * time.Second) }))
	defer slow.Close()
	for name, c := range map[string]*Client{
		"refused": {BaseURL: "http://" + addr, Key: keyFn(key)},
		"timeout": {BaseURL: slow.URL, Key: keyFn(key), HTTP: &http.Client{Timeout: 100 * time.Millisecond}},
	} {
		res, err := c.Send(context.Background(), validFields("Y"))
		if err == nil || res.Class != Retry {
			t.Errorf("%s: %+v %v, want a retryable error", name, res, err)
			continue
		}
		if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "74951234567") {
			t.Errorf("%s: error exposes the key or call data: %v", name, err)
		}
	}
}

func TestFakeRejectsWhatTQMRejects(t *testing.T) {
	fake := tqmfake.New(key)
	defer fake.Close()
	future := time.Now().Add(6 * time.Hour).Format("2006-01-02T15:04:05")
	tests := []struct {
		name   string
		key    string
		change func([]Field) []Field
		want   int
	}{
		{"wrong key", "other", nil, 401},
		{"missing id", key, func(f []Field) []Field { f[0].Value = ""; return f }, 400},
		{"long id", key, func(f []Field) []Field { f[0].Value = strings.Repeat("1", 33); return f }, 400},
		{"bad direction", key, func(f []Field) []Field { f[1].Value = "Inbound"; return f }, 400},
		{"date with zone", key, func(f []Field) []Field { f[2].Value += "+03:00"; return f }, 400},
		{"future end", key, func(f []Field) []Field { f[3].Value = future; return f }, 400},
		{"end before start", key, func(f []Field) []Field { f[2].Value, f[3].Value = f[3].Value, f[2].Value; return f }, 400},
		{"bad channel", key, func(f []Field) []Field { f[6].Value = "centre"; return f }, 400},
		{"no file link", key, func(f []Field) []Field { f[8].Value = ""; return f }, 400},
		{"long file link", key, func(f []Field) []Field { f[8].Value = "https://x/" + strings.Repeat("a", 2000); return f }, 400},
		{"unknown field", key, func(f []Field) []Field { return append(f, Field{"colour", "red"}) }, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validFields("BAD")
			if tt.change != nil {
				f = tt.change(f)
			}
			res, err := (&Client{BaseURL: fake.URL(), Key: keyFn(tt.key)}).Send(context.Background(), f)
			if err != nil || res.HTTPStatus != tt.want {
				t.Fatalf("got %d (%v) %s, want %d", res.HTTPStatus, err, res.Body, tt.want)
			}
		})
	}
	if n := len(fake.Accepted()); n != 0 {
		t.Fatalf("fake accepted %d invalid requests", n)
	}
}

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
	for _, api := range []string{"v2", "v1"} {
		fake := tqmfake.New(key)
		c := &Client{BaseURL: fake.URL(), API: api, Key: keyFn(key)}
		fields := validFields("FILE-1")
		fields[8].Value = "" // no link: the file is uploaded
		res, err := c.SendWithFile(context.Background(), fields, "call.wav", bytes.NewReader(wav(2)))
		if err != nil || res.Class != Accepted {
			t.Fatalf("%s: %+v %v %+v", api, res, err, fake.Rejections())
		}
		got := fake.Find("FILE-1")
		if len(got) != 1 || !got[0].WithFile || got[0].FileFormat != "wav" || got[0].FileChannels != 2 {
			t.Fatalf("%s: fake got %+v", api, got)
		}
		res, _ = c.SendWithFile(context.Background(), validFields("FILE-2"), "x.txt", strings.NewReader("not audio"))
		if res.HTTPStatus != 400 {
			t.Fatalf("%s: a non-audio file got %d", api, res.HTTPStatus)
		}
		fake.Close()
	}
}
