package receiver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/store"
)

const testSecret = "0123456789abcdef0123456789abcdef"

func newTestReceiver(t *testing.T) (*Receiver, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Secret: testSecret, Store: st, Zone: moscow}), st
}

func allCalls(t *testing.T, st *store.Store) []calls.Call {
	t.Helper()
	list, err := st.List(context.Background(), calls.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestReceiver(t *testing.T) {
	good := "callId=MG-1&dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:05Z&callerNumber=74951234567"
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantCode    int
		wantStored  int
		wantStatus  calls.Status
		wantCallID  string
		wantReason  string
	}{
		{name: "GET webhook", method: "GET", path: "/mango/" + testSecret + "/calltracking?" + good,
			wantCode: 200, wantStored: 1, wantStatus: calls.StatusQueued, wantCallID: "MG-1"},
		{name: "snake_case and odd casing", method: "GET",
			path:     "/mango/" + testSecret + "/calltracking?CALL_ID=MG-2&date_start=2026-11-20T10:00:00&Date_End=2026-11-20T10:01:00",
			wantCode: 200, wantStored: 1, wantStatus: calls.StatusQueued, wantCallID: "MG-2"},
		{name: "POST form", method: "POST", path: "/mango/" + testSecret + "/calltracking",
			contentType: "application/x-www-form-urlencoded", body: good,
			wantCode: 200, wantStored: 1, wantStatus: calls.StatusQueued, wantCallID: "MG-1"},
		{name: "POST JSON", method: "POST", path: "/mango/" + testSecret + "/calltracking",
			contentType: "application/json",
			body:        `{"callId":"MG-3","dateStart":"2026-11-20T10:00Z","dateEnd":"2026-11-20T10:05Z","duration":42}`,
			wantCode:    200, wantStored: 1, wantStatus: calls.StatusQueued, wantCallID: "MG-3"},
		{name: "wrong secret", method: "GET", path: "/mango/" + strings.Repeat("f", 32) + "/calltracking?" + good,
			wantCode: 404, wantStored: 0},
		{name: "secret prefix only", method: "GET", path: "/mango/" + testSecret[:10] + "/calltracking?" + good,
			wantCode: 404, wantStored: 0},
		{name: "no secret", method: "GET", path: "/mango/calltracking?" + good, wantCode: 404, wantStored: 0},
		{name: "outside prefix", method: "GET", path: "/calltracking?" + good, wantCode: 404, wantStored: 0},
		{name: "oversized body", method: "POST", path: "/mango/" + testSecret + "/calltracking",
			contentType: "application/x-www-form-urlencoded", body: "x=" + strings.Repeat("a", MaxBody),
			wantCode: 413, wantStored: 0},
		{name: "garbage stored as invalid", method: "POST", path: "/mango/" + testSecret + "/calltracking",
			contentType: "application/json", body: "{not json",
			wantCode: 200, wantStored: 1, wantStatus: calls.StatusInvalid, wantReason: "malformed JSON"},
		{name: "no call id", method: "GET", path: "/mango/" + testSecret + "/calltracking?dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:05Z",
			wantCode: 200, wantStored: 1, wantStatus: calls.StatusInvalid, wantReason: "no call id"},
		{name: "bad date", method: "GET", path: "/mango/" + testSecret + "/calltracking?callId=X&dateStart=yesterday&dateEnd=2026-11-20T10:05Z",
			wantCode: 200, wantStored: 1, wantStatus: calls.StatusInvalid, wantReason: "start date"},
		{name: "health", method: "GET", path: "/mango/" + testSecret + "/health", wantCode: 200, wantStored: 0},
		{name: "unknown endpoint", method: "GET", path: "/mango/" + testSecret + "/nope", wantCode: 404, wantStored: 0},
		{name: "wrong method", method: "DELETE", path: "/mango/" + testSecret + "/calltracking?" + good,
			wantCode: 405, wantStored: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, st := newTestReceiver(t)
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.wantCode, rec.Body.String())
			}
			calls := allCalls(t, st)
			if len(calls) != tt.wantStored {
				t.Fatalf("stored %d calls, want %d", len(calls), tt.wantStored)
			}
			if tt.wantStored == 0 {
				return
			}
			c := calls[0]
			if c.Status != tt.wantStatus {
				t.Errorf("status %q, want %q (reason %q)", c.Status, tt.wantStatus, c.Reason)
			}
			if c.CallID != tt.wantCallID {
				t.Errorf("call id %q, want %q", c.CallID, tt.wantCallID)
			}
			if !strings.Contains(c.Reason, tt.wantReason) {
				t.Errorf("reason %q does not mention %q", c.Reason, tt.wantReason)
			}
			if strings.Contains(c.Raw, testSecret) {
				t.Errorf("raw payload holds the webhook secret: %s", c.Raw)
			}
			var raw map[string]any
			if err := json.Unmarshal([]byte(c.Raw), &raw); err != nil {
				t.Fatalf("raw payload is not JSON: %v", err)
			}
			if raw["method"] != tt.method {
				t.Errorf("raw method %v, want %s", raw["method"], tt.method)
			}
		})
	}
}

func TestDuplicateIsLoggedNotQueued(t *testing.T) {
	r, st := newTestReceiver(t)
	path := "/mango/" + testSecret + "/calltracking?callId=DUP-1&dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:05Z"
	for i := 0; i < 3; i++ {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 {
			t.Fatalf("try %d: status %d", i, rec.Code)
		}
	}
	list := allCalls(t, st)
	if len(list) != 3 {
		t.Fatalf("stored %d rows, want 3 (one call, two duplicates)", len(list))
	}
	queued, dups := 0, 0
	for _, c := range list {
		switch c.Status {
		case calls.StatusQueued:
			queued++
		case calls.StatusDuplicate:
			dups++
			if c.DuplicateOf == 0 {
				t.Errorf("duplicate row %d does not point at the original", c.ID)
			}
		}
	}
	if queued != 1 || dups != 2 {
		t.Fatalf("queued=%d duplicates=%d, want 1 and 2", queued, dups)
	}
}

func TestIntakeFailureAnswers503(t *testing.T) {
	r, st := newTestReceiver(t)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
		"/mango/"+testSecret+"/calltracking?callId=A&dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:05Z", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 when the call cannot be stored", rec.Code)
	}
}
