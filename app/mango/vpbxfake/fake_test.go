package vpbxfake

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func post(t *testing.T, u string, form map[string][]string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLockoutRule(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := New("key", "salt", WithClock(clk.Now))
	defer s.Close()
	good := SignedForm("key", "salt", map[string]string{})
	bad := SignedForm("key", "wrong", map[string]string{})
	u := s.URL() + "config/users/request"

	steps := []struct {
		advance    time.Duration
		form       map[string][]string
		wantStatus int
		wantBody   string
	}{
		{0, bad, 200, `"result":3102`},               // first invalid: answered normally
		{3 * time.Second, good, 200, `"users"`},      // valid requests still work
		{60 * time.Second, bad, 401, `Unauthorized`}, // second invalid inside 2 min: 401
		{3 * time.Second, good, 401, `Unauthorized`}, // blocked, even valid requests
		{57 * time.Second, good, 200, `"users"`},     // 2 min after the FIRST error: unblocked
		{3 * time.Second, bad, 200, `"result":3102`}, // a new window starts
		{2 * time.Minute, bad, 200, `"result":3102`}, // 2 min later: allowed again
	}
	for i, st := range steps {
		clk.Add(st.advance)
		status, body := post(t, u, st.form)
		if status != st.wantStatus || !strings.Contains(body, st.wantBody) {
			t.Fatalf("step %d: HTTP %d %s; want %d containing %s", i, status, body, st.wantStatus, st.wantBody)
		}
	}
	if n := len(s.InvalidRequests()); n != 5 {
		t.Fatalf("invalid log = %d entries, want 5: %+v", n, s.InvalidRequests())
	}
	if n := s.MaxInvalidWithin(2 * time.Minute); n != 3 {
		t.Fatalf("MaxInvalidWithin = %d, want 3", n)
	}
}

func TestStrictRequests(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := New("key", "salt", WithClock(clk.Now))
	defer s.Close()
	cases := []struct {
		name string
		do   func() (*http.Response, error)
		want string
	}{
		{"GET", func() (*http.Response, error) { return http.Get(s.URL() + "config/users/request") }, `"result":3101`},
		{"fields in query string", func() (*http.Response, error) {
			return http.Post(s.URL()+"config/users/request?"+SignedForm("key", "salt", "{}").Encode(), "application/x-www-form-urlencoded", nil)
		}, `"result":3105`},
		{"wrong key", func() (*http.Response, error) {
			return http.PostForm(s.URL()+"config/users/request", SignedForm("nokey", "salt", "{}"))
		}, `"result":3105`},
		{"multipart accepted", func() (*http.Response, error) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for k, v := range SignedForm("key", "salt", "{}") {
				_ = mw.WriteField(k, v[0])
			}
			mw.Close()
			return http.Post(s.URL()+"config/users/request", mw.FormDataContentType(), &b)
		}, `"users"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk.Add(3 * time.Minute) // out of every window
			resp, err := tc.do()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), tc.want) {
				t.Fatalf("HTTP %d %s; want %s", resp.StatusCode, b, tc.want)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := New("key", "salt", WithClock(clk.Now))
	defer s.Close()
	form := SignedForm("key", "salt", map[string]string{"date_from": "1700000000", "date_to": "1700003600"})
	if st, _ := post(t, s.URL()+"stats/request", form); st != 200 {
		t.Fatalf("first stats/request: %d", st)
	}
	clk.Add(1900 * time.Millisecond)
	st, body := post(t, s.URL()+"stats/request", form)
	if st != 429 || body != rateLimitBody {
		t.Fatalf("second stats/request within 2 s: %d %s", st, body)
	}
	clk.Add(100 * time.Millisecond)
	if st, _ := post(t, s.URL()+"stats/request", form); st != 200 {
		t.Fatalf("stats/request after 2 s: %d", st)
	}
	ping := SignedForm("key", "salt", map[string]string{"key": "x"})
	for i := range 50 {
		if st, _ := post(t, s.URL()+"stats/result", ping); st != 404 {
			t.Fatalf("stats/result %d: %d", i, st)
		}
	}
	if st, _ := post(t, s.URL()+"stats/result", ping); st != 429 {
		t.Fatalf("51st stats/result in one second: %d, want 429", st)
	}
	if len(s.InvalidRequests()) != 0 {
		t.Fatalf("429 and 404 must not count as invalid")
	}
}

func TestStatsReadyAndCSV(t *testing.T) {
	clk := &clock{t: time.Unix(1700000000, 0)}
	s := New("key", "salt", WithClock(clk.Now), WithStatsReady(1, 10*time.Second))
	defer s.Close()
	s.AddCall("e1", "79161234567", "101", time.Unix(1700000100, 0), time.Unix(1700000200, 0), "r1", "r2")
	s.AddCall("e2", "79160000000", "102", time.Unix(1700009999, 0), time.Unix(1700010099, 0))
	_, body := post(t, s.URL()+"stats/request", SignedForm("key", "salt", map[string]string{
		"date_from": "1700000000", "date_to": "1700003600", "fields": "entry_id,records,start,from_number,to_extension"}))
	key := body[strings.Index(body, `"key":"`)+7 : strings.LastIndex(body, `"`)]
	res := SignedForm("key", "salt", map[string]string{"key": key})
	for i, want := range []int{204, 204, 200} {
		st, csv := post(t, s.URL()+"stats/result", res)
		if st != want {
			t.Fatalf("poll %d: %d, want %d", i, st, want)
		}
		if st == 200 && csv != "e1;[r1,r2];1700000100;79161234567;101\r\n" {
			t.Fatalf("csv = %q", csv)
		}
		clk.Add(6 * time.Second)
	}
	clk.Add(time.Hour)
	if st, _ := post(t, s.URL()+"stats/result", res); st != 404 {
		t.Fatalf("expired key: %d", st)
	}
}

func TestSignedEventFormRejectsUnknownPath(t *testing.T) {
	s := New("key", "salt")
	defer s.Close()
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a typo in the path")
		}
	}()
	s.SignedEventForm("event/summary", "{}")
}
