package vpbx_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	appclock "mangotqm/app/clock"
	"mangotqm/app/clock/clocktest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
)

const (
	testKey  = "k27charsvpbxapikey000000000"
	testSalt = "s32charsaltsaltsaltsaltsaltsalt"
)

// clock is a manual clock shared by the client and the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newClient(fake *vpbxfake.Server, salt string, now func() time.Time) *vpbx.Client {
	return &vpbx.Client{
		BaseURL: fake.URL(), Key: testKey, Salt: salt, Clock: appclock.Reading(now), Logger: quietLogger(),
		PollInterval: 20 * time.Millisecond, PollTimeout: 5 * time.Second,
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestRequestShape(t *testing.T) {
	var got struct {
		method, ct string
		form       url.Values
		query      string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.ct, got.query = r.Method, r.Header.Get("Content-Type"), r.URL.RawQuery
		_ = r.ParseForm()
		got.form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"key":"k1"}`))
	}))
	defer srv.Close()
	c := &vpbx.Client{BaseURL: srv.URL + "/vpbx", Key: testKey, Salt: testSalt, Logger: quietLogger()}
	from := time.Unix(1700000000, 0)
	key, err := c.StatsRequest(ctx(t), from, from.Add(time.Hour), vpbx.StatsFilter{CallPartyNumber: "79161234567"})
	if err != nil || key != "k1" {
		t.Fatalf("StatsRequest = %q, %v", key, err)
	}
	if got.method != http.MethodPost || got.ct != "application/x-www-form-urlencoded" || got.query != "" {
		t.Fatalf("method %s, content type %q, query %q", got.method, got.ct, got.query)
	}
	if len(got.form) != 3 || got.form.Get("vpbx_api_key") != testKey {
		t.Fatalf("form fields = %v", got.form)
	}
	js := got.form.Get("json")
	if got.form.Get("sign") != vpbx.Sign(testKey, js, testSalt) {
		t.Fatalf("sign is not over the json sent")
	}
	want := `{"date_from":"1700000000","date_to":"1700003600","fields":"entry_id,records,start,finish,answer,from_extension,from_number,to_extension,to_number,disconnect_reason,line_number,location","call_party":{"number":"79161234567"}}`
	if js != want {
		t.Fatalf("json = %s\nwant   %s", js, want)
	}
}

func TestFindRecordings(t *testing.T) {
	fake := vpbxfake.New(testKey, testSalt, vpbxfake.WithStatsReady(2, 0))
	defer fake.Close()
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	fake.AddCall("e-match", "+7 916 123-45-67", "101", start, start.Add(3*time.Minute), "rec-a", "rec-b")
	fake.AddCall("e-other", "79035550000", "102", start.Add(30*time.Second), start.Add(time.Minute), "rec-other")
	fake.AddCall("e-early", "89161234567", "101", start.Add(-50*time.Minute), start.Add(-49*time.Minute), "rec-early")
	fake.AddCall("e-out", "101", "8 (916) 123-45-67", start.Add(time.Minute), start.Add(2*time.Minute), "rec-out")

	c := newClient(fake, testSalt, nil)
	recs, err := c.FindRecordings(ctx(t), "9161234567", start, start.Add(3*time.Minute))
	if err != nil {
		t.Fatalf("FindRecordings: %v", err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID+"@"+r.EntryID)
	}
	if got, want := strings.Join(ids, ","), "rec-a@e-match,rec-b@e-match,rec-out@e-out"; got != want {
		t.Fatalf("recordings = %s, want %s", got, want)
	}
	if !recs[0].CallStart.Equal(start) || !recs[0].Answered {
		t.Errorf("recording 0 = %+v", recs[0])
	}
	var polls int
	for _, r := range fake.Requests() {
		if r.Path == "stats/result" {
			polls++
		}
	}
	if polls != 3 {
		t.Errorf("stats/result polls = %d, want 3 (two 204, one 200)", polls)
	}
	if n := len(fake.InvalidRequests()); n != 0 {
		t.Errorf("invalid requests = %d", n)
	}
}

func TestStatsResultExpiredKey(t *testing.T) {
	fake := vpbxfake.New(testKey, testSalt)
	defer fake.Close()
	c := newClient(fake, testSalt, nil)
	_, ready, err := c.StatsResult(ctx(t), "no-such-key")
	if !errors.Is(err, vpbx.ErrStatsKeyExpired) || ready {
		t.Fatalf("StatsResult = %v, %v; want ErrStatsKeyExpired", ready, err)
	}
	if c.LockedOut() != nil {
		t.Fatalf("a 404 must not pause the client")
	}
}

func TestRecordingAppearsLate(t *testing.T) {
	clk := newClock()
	fake := vpbxfake.New(testKey, testSalt, vpbxfake.WithClock(clk.Now))
	defer fake.Close()
	audio := bytes.Repeat([]byte("ID3-mp3-bytes-"), 1000)
	fake.AddRecording("rec-1", audio, vpbxfake.AvailableAfterAttempts(2))
	var logs bytes.Buffer
	c := newClient(fake, testSalt, clk.Now)
	c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	for attempt := 1; attempt <= 2; attempt++ {
		_, _, _, err := c.Recording(ctx(t), "rec-1")
		var re *vpbx.RecordingError
		if !errors.Is(err, vpbx.ErrRecordingNotReady) || !errors.As(err, &re) {
			t.Fatalf("attempt %d: err = %v, want ErrRecordingNotReady", attempt, err)
		}
		if wait, ok := vpbx.RetryAfter(err, clk.Now()); !ok || wait < 2*time.Minute {
			t.Fatalf("attempt %d: RetryAfter = %s, %v; want >= 2m (3320 is a 3xxx answer)", attempt, wait, ok)
		}
		// Asking again at once must not reach Mango.
		before := len(fake.Requests())
		_, _, _, err = c.Recording(ctx(t), "rec-1")
		if !errors.Is(err, vpbx.ErrLockedOut) || len(fake.Requests()) != before {
			t.Fatalf("attempt %d: immediate retry err = %v, requests %d→%d", attempt, err, before, len(fake.Requests()))
		}
		var lo *vpbx.LockoutError
		if !errors.As(err, &lo) || lo.Credentials() || lo.MessageKey() != "vpbx.invalid_request" {
			t.Fatalf("lockout after 3320 = %+v; must not blame the credentials", lo)
		}
		clk.Add(vpbx.DefaultLockout)
	}
	body, ct, size, err := c.Recording(ctx(t), "rec-1")
	if err != nil {
		t.Fatalf("attempt 3: %v", err)
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err != nil || !bytes.Equal(data, audio) || ct != "audio/mpeg" || size != int64(len(audio)) {
		t.Fatalf("download: %d bytes (want %d), type %q, size %d, err %v", len(data), len(audio), ct, size, err)
	}
	links := fake.IssuedLinks()
	if len(links) != 1 {
		t.Fatalf("issued links = %d", len(links))
	}
	resp, err := http.Get(links[0])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second use of the link: HTTP %d, want 404", resp.StatusCode)
	}
	if fake.Downloads("rec-1") != 1 || fake.FileRequestsWithCredentials() != 0 {
		t.Fatalf("downloads %d, link requests with credentials %d", fake.Downloads("rec-1"), fake.FileRequestsWithCredentials())
	}
	token := links[0][strings.LastIndex(links[0], "/")+1:]
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), testSalt) {
		t.Fatalf("logs contain the one-time link or the salt:\n%s", logs.String())
	}
	if n := fake.MaxInvalidWithin(2 * time.Minute); n > 1 {
		t.Fatalf("%d invalid requests inside 2 minutes", n)
	}
}

func TestRecordingLinkUsedTwice(t *testing.T) {
	// A link that fails (here: already used) gives ErrDownload without the URL.
	fake := vpbxfake.New(testKey, testSalt)
	defer fake.Close()
	fake.AddRecording("rec-1", []byte("x"))
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Forward the API call, then burn the link before the client gets it.
		req, _ := http.NewRequest(r.Method, strings.TrimSuffix(fake.URL(), "/vpbx/")+r.URL.Path, r.Body)
		req.Header = r.Header
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "" {
			if r2, err := http.Get(loc); err == nil {
				r2.Body.Close()
			}
			w.Header().Set("Location", loc)
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer proxy.Close()
	c := &vpbx.Client{BaseURL: proxy.URL + "/vpbx/", Key: testKey, Salt: testSalt, Logger: quietLogger()}
	_, _, _, err := c.Recording(ctx(t), "rec-1")
	if !errors.Is(err, vpbx.ErrDownload) {
		t.Fatalf("err = %v, want ErrDownload", err)
	}
	if strings.Contains(err.Error(), "/files/") {
		t.Fatalf("error leaks the link: %v", err)
	}
}

func TestBadCredentialsLockOut(t *testing.T) {
	cases := []struct {
		name          string
		key, salt     string
		invalidStatus int
		want          error
		msgKey        string
	}{
		{"bad salt, 3xxx as HTTP 200", testKey, "wrong-salt", http.StatusOK, vpbx.ErrWrongSign, "vpbx.wrong_sign"},
		{"bad salt, 3xxx as HTTP 401", testKey, "wrong-salt", http.StatusUnauthorized, vpbx.ErrWrongSign, "vpbx.wrong_sign"},
		{"bad key", "wrong-key", testSalt, http.StatusOK, vpbx.ErrWrongKey, "vpbx.wrong_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			fake := vpbxfake.New(testKey, testSalt, vpbxfake.WithClock(clk.Now), vpbxfake.WithInvalidStatus(tc.invalidStatus))
			defer fake.Close()
			fake.AddRecording("rec-1", []byte("x"))
			c := newClient(fake, tc.salt, clk.Now)
			c.Key = tc.key

			_, err := c.Users(ctx(t))
			var lo *vpbx.LockoutError
			if !errors.Is(err, tc.want) || !errors.Is(err, vpbx.ErrLockedOut) || !errors.As(err, &lo) {
				t.Fatalf("first call: %v, want %v", err, tc.want)
			}
			if !lo.Credentials() || lo.MessageKey() != tc.msgKey || lo.Until.Sub(clk.Now()) < 2*time.Minute {
				t.Fatalf("lockout = %+v (key %s)", lo, lo.MessageKey())
			}
			// The caller keeps asking, for two minutes.
			for i := range 24 {
				var err error
				switch i % 4 {
				case 0:
					_, err = c.Users(ctx(t))
				case 1:
					_, err = c.StatsRequest(ctx(t), clk.Now().Add(-time.Hour), clk.Now(), vpbx.StatsFilter{})
				case 2:
					_, _, _, err = c.Recording(ctx(t), "rec-1")
				case 3:
					_, err = c.FindRecordings(ctx(t), "79161234567", clk.Now().Add(-time.Hour), clk.Now())
				}
				if !errors.Is(err, vpbx.ErrLockedOut) || !errors.Is(err, tc.want) {
					t.Fatalf("call %d while locked: %v", i, err)
				}
				clk.Add(5 * time.Second)
			}
			if n := len(fake.Requests()); n != 1 {
				t.Fatalf("requests reaching Mango = %d, want 1", n)
			}
			clk.Add(vpbx.DefaultLockout) // past the pause: one more try is allowed
			if _, _, err := c.StatsResult(ctx(t), "k"); !errors.Is(err, tc.want) {
				t.Fatalf("after the pause: %v", err)
			}
			if n := len(fake.InvalidRequests()); n != 2 {
				t.Fatalf("invalid requests = %d, want 2", n)
			}
			if n := fake.MaxInvalidWithin(2 * time.Minute); n != 1 {
				t.Fatalf("max invalid requests inside 2 minutes = %d, want 1", n)
			}
			if fake.Blocked() {
				t.Fatalf("Mango blocked the account")
			}
		})
	}
}

func TestConcurrentBadSaltSendsOneRequest(t *testing.T) {
	clk := newClock()
	fake := vpbxfake.New(testKey, testSalt, vpbxfake.WithClock(clk.Now))
	defer fake.Close()
	c := newClient(fake, "wrong-salt", clk.Now)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = c.StatsResult(ctx(t), "k")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, vpbx.ErrWrongSign) {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if n := len(fake.InvalidRequests()); n != 1 {
		t.Fatalf("invalid requests = %d, want 1", n)
	}
}

func TestShortLockoutOnlyWhenAllowed(t *testing.T) {
	clk := newClock()
	fake := vpbxfake.New(testKey, testSalt, vpbxfake.WithClock(clk.Now))
	defer fake.Close()
	c := newClient(fake, "wrong-salt", clk.Now)
	c.Lockout = time.Second
	_, _ = c.Users(ctx(t))
	lo := c.LockedOut()
	if lo == nil || lo.Until.Sub(clk.Now()) < vpbx.MinLockout {
		t.Fatalf("lockout %+v shorter than %s without AllowShortLockout", lo, vpbx.MinLockout)
	}
}

func TestRateLimited(t *testing.T) {
	// One clock for Mango and the client: the client's back-off waits on it.
	clk := clocktest.NewManual(time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC))
	fake := vpbxfake.New(testKey, testSalt, vpbxfake.WithClock(clk.Now))
	defer fake.Close()
	// Someone else (another copy of the app) just started statistics.
	resp, err := http.PostForm(fake.URL()+"stats/request", vpbxfake.SignedForm(testKey, testSalt,
		map[string]string{"date_from": "1700000000", "date_to": "1700003600"}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("direct stats/request: HTTP %d", resp.StatusCode)
	}
	c := newClient(fake, testSalt, clk.Now)
	c.Clock = clk
	// Spacing too short to matter: what holds the client back is the 429.
	c.Limits = vpbx.Limits{General: time.Millisecond, StatsStart: time.Millisecond}
	from := clk.Now().Add(-time.Hour)
	_, err = c.StatsRequest(ctx(t), from, clk.Now(), vpbx.StatsFilter{})
	var rl *vpbx.RateLimitError
	if !errors.Is(err, vpbx.ErrRateLimited) || !errors.As(err, &rl) || rl.HTTPStatus != http.StatusTooManyRequests {
		t.Fatalf("err = %v, want RateLimitError 429", err)
	}
	if wait, ok := vpbx.RetryAfter(err, clk.Now()); !ok || wait < 2*time.Second {
		t.Fatalf("RetryAfter = %s, %v", wait, ok)
	}
	if c.LockedOut() != nil || len(fake.InvalidRequests()) != 0 {
		t.Fatalf("a 429 must not count as an invalid request")
	}
	sent := len(fake.RequestsTo("stats/request"))
	done := make(chan error, 1)
	go func() {
		_, err := c.StatsRequest(ctx(t), from, clk.Now(), vpbx.StatsFilter{})
		done <- err
	}()
	clocktest.Eventually(t, "the client waiting out the 429", func() bool { return clk.Waiting() > 0 })
	clk.Advance(time.Second) // not yet
	clocktest.Eventually(t, "the client still waiting", func() bool { return clk.Waiting() > 0 })
	if n := len(fake.RequestsTo("stats/request")); n != sent {
		t.Fatalf("client asked again %d time(s) within 1 s of a 429 that said wait >= 2 s", n-sent)
	}
	clk.Advance(2 * time.Second) // Mango's window has passed
	if err := <-done; err != nil {
		t.Fatalf("after backing off: %v", err)
	}
	if n := len(fake.RequestsTo("stats/request")); n != sent+1 {
		t.Fatalf("requests after the back-off: %d, want 1", n-sent)
	}
}

func TestClientSpacesStatsStarts(t *testing.T) {
	fake := vpbxfake.New(testKey, testSalt) // real clock: Mango's 1 per 2 s applies
	defer fake.Close()
	c := newClient(fake, testSalt, nil)
	from := time.Now().Add(-time.Hour)
	for i := range 2 {
		if _, err := c.StatsRequest(ctx(t), from, time.Now(), vpbx.StatsFilter{}); err != nil {
			t.Fatalf("stats request %d: %v", i, err)
		}
	}
}

func TestUsers(t *testing.T) {
	fake := vpbxfake.New(testKey, testSalt, vpbxfake.WithUsers(
		vpbxfake.User{UserID: 11, Name: "Иван Петров", Email: "ivan@example.com", Extension: "101"},
		vpbxfake.User{UserID: 12, Name: "Anna", Extension: "102"},
	))
	defer fake.Close()
	users, err := newClient(fake, testSalt, nil).Users(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Name != "Иван Петров" || users[0].Email != "ivan@example.com" ||
		users[0].Extension != "101" || users[0].UserID != "11" || users[1].Extension != "102" || len(users[0].Numbers) != 1 {
		t.Fatalf("users = %+v", users)
	}
}

func TestParseUsersTolerant(t *testing.T) {
	users, err := vpbx.ParseUsers([]byte(`{"users":[{"general":{"name":"A","user_id":"7"},"telephony":{"extension":101}},{"name":"Flat","extension":"5","email":"f@x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Extension != "101" || users[0].UserID != "7" || users[1].Name != "Flat" || users[1].Email != "f@x" {
		t.Fatalf("users = %+v", users)
	}
}

func TestNoCredentials(t *testing.T) {
	fake := vpbxfake.New(testKey, testSalt)
	defer fake.Close()
	c := newClient(fake, "", nil)
	if _, err := c.Users(ctx(t)); !errors.Is(err, vpbx.ErrNoCredentials) {
		t.Fatalf("err = %v", err)
	}
	c = &vpbx.Client{BaseURL: fake.URL(), Logger: quietLogger(), Credentials: func(context.Context) (vpbx.Credentials, error) {
		return vpbx.Credentials{Key: testKey, Salt: testSalt}, nil
	}}
	if _, err := c.Users(ctx(t)); err != nil {
		t.Fatalf("with Credentials func: %v", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Fatalf("requests = %d, want 1", n)
	}
}
