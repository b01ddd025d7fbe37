package receiver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mangotqm/app/calls"
	"mangotqm/store"
)

const goodQuery = "callId=MG-1&dateStart=2026-11-20T10:00Z&dateEnd=2026-11-20T10:05Z&callerNumber=74951234567" +
	"&recordUrl=https%3A%2F%2Frec.example.test%2F1.mp3"

// rawGET sends a request line exactly as given (the Go client would refuse
// or re-encode a lone '%') and returns the status code.
func rawGET(t *testing.T, addr, target string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestStrayCharactersAreStoredAsAValidCall(t *testing.T) {
	r, st := newTestReceiver(t)
	srv := httptest.NewServer(r)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name, extra, param, want string
	}{
		{"semicolon", "&utm_content=a;b", "utm_content", "a;b"},
		{"lone percent", "&utm_term=100%", "utm_term", "100%"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := strings.Replace(goodQuery, "MG-1", fmt.Sprint("MG-S", i), 1)
			if code := rawGET(t, addr, "/mango/"+testSecret+"/calltracking?"+q+tt.extra); code != 200 {
				t.Fatalf("HTTP %d", code)
			}
			list := allCalls(t, st)
			c := list[0]
			if c.Status != calls.StatusQueued || c.CallID != fmt.Sprint("MG-S", i) {
				t.Fatalf("stored %s %q (%s), want queued", c.Status, c.CallID, c.Reason)
			}
			if !strings.Contains(c.Params, `"`+tt.param+`":"`+tt.want+`"`) || !strings.Contains(c.Notes, tt.param) {
				t.Fatalf("params %s notes %q", c.Params, c.Notes)
			}
			if !strings.Contains(c.Raw, tt.extra[1:]) {
				t.Fatalf("raw %s does not keep %q as received", c.Raw, tt.extra[1:])
			}
		})
	}
}

func TestHEADIsAnsweredWithoutStoring(t *testing.T) {
	r, st := newTestReceiver(t)
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := http.Head(srv.URL + "/mango/" + testSecret + "/calltracking?" + goodQuery)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HEAD answered %d", resp.StatusCode)
	}
	// A GET afterwards is the first row: the HEAD stored nothing.
	resp, err = http.Get(srv.URL + "/mango/" + testSecret + "/calltracking?" + goodQuery)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if list := allCalls(t, st); len(list) != 1 || list[0].ID != 1 {
		t.Fatalf("stored %d calls (first row %d), want only the GET", len(list), list[0].ID)
	}
}

// lineCounter counts log records whose message contains a substring.
type lineCounter struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(bytes.TrimSpace(p)))
	return len(p), nil
}

func (l *lineCounter) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			out = append(out, x)
		}
	}
	return out
}

func TestWrongSecretIsLoggedAsASummary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &lineCounter{}
		r := New(Config{Secret: testSecret, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		probe := func(n int) {
			for i := 0; i < n; i++ {
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, httptest.NewRequest("GET", "/mango/"+strings.Repeat("f", 32)+"/calltracking", nil))
				if rec.Code != 404 {
					t.Fatalf("wrong secret answered %d", rec.Code)
				}
			}
		}
		const msg = "wrong webhook secret"
		probe(1000)
		if got := logs.matching(msg); len(got) != 1 || !strings.Contains(got[0], "count=1 ") {
			t.Fatalf("after a burst of 1000: %q", got)
		}
		time.Sleep(time.Minute) // fake time: the summary period ends
		synctest.Wait()
		if got := logs.matching(msg); len(got) != 2 || !strings.Contains(got[1], "count=999 ") {
			t.Fatalf("after a minute: %q", got)
		}
		probe(10)
		time.Sleep(30 * time.Second) // fake time: half a summary period
		synctest.Wait()
		if got := logs.matching(msg); len(got) != 2 {
			t.Fatalf("a second summary within the minute: %q", got)
		}
		time.Sleep(30 * time.Second) // fake time: the period ends
		synctest.Wait()
		if got := logs.matching(msg); len(got) != 3 || !strings.Contains(got[2], "count=10 ") {
			t.Fatalf("third summary: %q", got)
		}
		if r.WrongSecretRequests() != 1010 {
			t.Fatalf("counted %d", r.WrongSecretRequests())
		}
		for _, l := range logs.lines {
			if strings.Contains(l, "ffffffff") {
				t.Fatalf("the guessed secret was logged: %s", l)
			}
		}
	})
}

// TestConcurrencyCap: requests beyond MaxConcurrent get 503 at once; the
// held ones complete, and the next one after them is served again.
func TestConcurrencyCap(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := New(Config{Secret: testSecret, Store: st, MaxConcurrent: 2})
	entered := make(chan struct{}, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("X-Test") == "hold" {
			entered <- struct{}{}
		}
		r.ServeHTTP(w, req)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	// Two POSTs whose bodies are still coming hold both slots.
	var held []net.Conn
	var bodies []string
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		body := strings.Replace(goodQuery, "MG-1", fmt.Sprint("H", i), 1)
		bodies = append(bodies, body)
		fmt.Fprintf(c, "POST /mango/%s/calltracking HTTP/1.1\r\nHost: x\r\nX-Test: hold\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
			testSecret, len(body), body[:5])
		<-entered
	}
	resp, err := http.Get(srv.URL + "/mango/" + testSecret + "/calltracking?" + goodQuery)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the cap: HTTP %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for i, c := range held {
		fmt.Fprint(c, bodies[i][5:])
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("held request: %v %v", resp, err)
		}
		_ = c.Close()
	}
	resp, err = http.Get(srv.URL + "/mango/" + testSecret + "/calltracking?" + goodQuery)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after the held requests: HTTP %d", resp.StatusCode)
	}
	if n := len(allCalls(t, st)); n != 3 {
		t.Fatalf("%d stored, want 3", n)
	}
}

// TestSlowHeadersDoNotBlockWebhooks: 500 connections that trickle their
// headers do not keep a real webhook from being stored at once.
func TestSlowHeadersDoNotBlockWebhooks(t *testing.T) {
	r, st := newTestReceiver(t)
	srv := httptest.NewUnstartedServer(r)
	srv.Config = NewServer(r, nil)
	srv.Start()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			_ = c.Close()
		}
	}()
	for i := 0; i < 500; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		fmt.Fprintf(c, "GET /mango/%s/calltracking HTTP/1.1\r\nHost: x\r\nX-Slow: ", testSecret)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for i := 0; i < 20; i++ {
		q := strings.Replace(goodQuery, "MG-1", fmt.Sprint("MG-R", i), 1)
		resp, err := client.Get(srv.URL + "/mango/" + testSecret + "/calltracking?" + q)
		if err != nil {
			t.Fatalf("webhook %d behind 500 slow connections: %v", i, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("webhook %d: HTTP %d", i, resp.StatusCode)
		}
	}
	if n := len(allCalls(t, st)); n != 20 {
		t.Fatalf("%d stored, want 20", n)
	}
	if s := NewServer(r, nil); s.ReadHeaderTimeout <= 0 || s.MaxHeaderBytes <= 0 || s.ReadTimeout <= 0 {
		t.Fatalf("server settings %+v", s)
	}
	// Oversized headers are refused before the handler.
	resp, err := client.Get(srv.URL + "/mango/" + testSecret + "/calltracking?" + strings.Repeat("a", MaxHeaderBytes*2))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("oversized request line: HTTP %d", resp.StatusCode)
	}
}

func TestWebhookIntoADeletedDatabaseIs503(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(New(Config{Secret: testSecret, Store: st}))
	defer srv.Close()
	if err := os.Remove(filepath.Join(dir, store.FileName)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/mango/" + testSecret + "/calltracking?" + goodQuery)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("webhook into a deleted database answered %d, want 503", resp.StatusCode)
	}
}
