// Package vpbxfake is an in-process fake of the Mango Office VPBX API for
// tests, written from docs/mango.md §3 and as strict as documented:
//
//   - only POST with the form fields vpbx_api_key, sign, json (else 3101 /
//     3100); a wrong key answers result 3105, a wrong sign 3102;
//   - rate limits per category (§3.3): 10/s default and recordings, 1 per 2 s
//     for starting statistics and for the users list, 50/s for stats/result;
//     over the limit: HTTP 429 with Mango's JSON body;
//   - lockout: one invalid (3xxx) request per 2 minutes is answered normally;
//     a second one inside 2 minutes of the first gets HTTP 401, and then
//     every request gets 401 until 2 minutes after the first error.
//
// A 3xxx answer is sent with HTTP 200 and a JSON body {"result": 3102, …}
// by default — Mango documents the result codes but not the HTTP status that
// carries them, and its JSON answers carry "result" in the body;
// WithInvalidStatus switches to another status (e.g. 401) so clients can be
// tested against both readings.
//
// Every rule uses the injectable clock (WithClock), so tests can step over
// the 2-minute windows without waiting.
package vpbxfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbx"
)

// Mango's documented lockout window.
const lockWindow = 2 * time.Minute

// Body of Mango's 429 answer (§3.3).
const rateLimitBody = `{"name":"Service Unavailable","message":"Rate limit exceeded.","code":0,"status":429}`

// Body of the 401 answer while the account is blocked (not documented;
// modelled on the 429 body).
const blockedBody = `{"name":"Unauthorized","message":"Too many invalid requests, access blocked.","code":0,"status":401}`

// InvalidRequest is a request the fake judged invalid (3xxx) or refused with
// 401 because the account was blocked.
type InvalidRequest struct {
	Time       time.Time
	Path       string
	Code       int // result code; 0 for a request refused while blocked
	HTTPStatus int
}

// Request is any request to the API part (not to /files/).
type Request struct {
	Time       time.Time
	Path       string
	HTTPStatus int
	Result     int
}

// Call is one call served by the statistics.
type Call struct {
	EntryID          string
	FromExtension    string
	FromNumber       string
	ToExtension      string
	ToNumber         string
	Start, Finish    time.Time
	Answer           time.Time // zero: not answered
	Records          []string
	DisconnectReason int
	LineNumber       string
	Location         string
}

// User is one employee returned by config/users/request.
type User struct {
	UserID    int64
	Name      string
	Email     string
	Extension string
}

type recording struct {
	data          []byte
	contentType   string
	added         time.Time
	after         time.Duration
	afterAttempts int
	attempts      int
	downloads     int
}

type file struct {
	id      string
	data    []byte
	ct      string
	expires time.Time
}

type statsJob struct {
	created time.Time
	polls   int
	csv     []byte
}

type limit struct {
	n   int
	per time.Duration
}

// Server is the fake. Create it with New.
type Server struct {
	key, salt string
	now       func() time.Time
	ts        *httptest.Server

	invalidStatus int
	statsPolls    int
	statsDelay    time.Duration
	statsTTL      time.Duration
	linkTTL       time.Duration
	limits        map[string]limit

	mu          sync.Mutex
	calls       []Call
	users       []User
	recs        map[string]*recording
	files       map[string]*file
	links       []string
	jobs        map[string]*statsJob
	hits        map[string][]time.Time
	requests    []Request
	invalid     []InvalidRequest
	firstErr    time.Time
	blocked     time.Time
	credLeaks   int
	statsFilter []string
	periods     []StatsPeriod
}

// Option configures the fake.
type Option func(*Server)

// WithClock sets the clock of every rule (lockout, limits, availability).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithInvalidStatus sets the HTTP status of 3xxx answers (default 200).
func WithInvalidStatus(status int) Option { return func(s *Server) { s.invalidStatus = status } }

// WithStatsReady makes stats/result answer 204 for the first polls polls
// of a key and until delay after stats/request (default: 1 poll, no delay).
func WithStatsReady(polls int, delay time.Duration) Option {
	return func(s *Server) { s.statsPolls, s.statsDelay = polls, delay }
}

// WithUsers sets the users list.
func WithUsers(users ...User) Option {
	return func(s *Server) { s.users = append([]User(nil), users...) }
}

// WithLinkTTL sets how long a one-time recording link stays valid (default 1 min).
func WithLinkTTL(d time.Duration) Option { return func(s *Server) { s.linkTTL = d } }

// New starts a fake VPBX accepting key and salt.
func New(key, salt string, opts ...Option) *Server {
	s := &Server{
		key: key, salt: salt, now: time.Now,
		invalidStatus: http.StatusOK, statsPolls: 1, statsTTL: 10 * time.Minute, linkTTL: time.Minute,
		limits: map[string]limit{
			"default":     {10, time.Second},
			"recording":   {10, time.Second},
			"statsStart":  {1, 2 * time.Second},
			"statsResult": {50, time.Second},
			"users":       {1, 2 * time.Second},
		},
		recs: map[string]*recording{}, files: map[string]*file{}, jobs: map[string]*statsJob{}, hits: map[string][]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	s.ts = httptest.NewServer(s.Handler())
	return s
}

// URL is the VPBX API base URL (ends in /vpbx/), for vpbx.Client.BaseURL.
func (s *Server) URL() string { return s.ts.URL + "/vpbx/" }

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Handler serves the fake: /vpbx/… API and /files/<token> one-time links.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/vpbx/", s.api)
	mux.HandleFunc("/files/", s.serveFile)
	return mux
}

// AddCall adds a call to the statistics: from and to are phone numbers
// (an all-digit value of up to 5 characters is taken as an extension).
// A call with recordings counts as answered at start.
func (s *Server) AddCall(entryID, from, to string, start, end time.Time, recordingIDs ...string) {
	c := Call{EntryID: entryID, Start: start, Finish: end, Records: recordingIDs, DisconnectReason: 1100, LineNumber: "74950000000", Location: "abonent"}
	if isExt(from) {
		c.FromExtension = from
	} else {
		c.FromNumber = from
	}
	if isExt(to) {
		c.ToExtension = to
	} else {
		c.ToNumber = to
	}
	if len(recordingIDs) > 0 {
		c.Answer = start
	}
	s.AddCallRow(c)
}

// AddCallRow adds a fully specified call to the statistics.
func (s *Server) AddCallRow(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func isExt(v string) bool {
	if v == "" || len(v) > 5 {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RecordingOption sets when a recording becomes available.
type RecordingOption func(*recording)

// AvailableAfter: queries/recording/post answers 3320 until d after AddRecording.
func AvailableAfter(d time.Duration) RecordingOption { return func(r *recording) { r.after = d } }

// AvailableAfterAttempts: the first n requests for the recording answer 3320.
func AvailableAfterAttempts(n int) RecordingOption { return func(r *recording) { r.afterAttempts = n } }

// ContentType sets the Content-Type of the file (default audio/mpeg).
func ContentType(ct string) RecordingOption { return func(r *recording) { r.contentType = ct } }

// AddRecording stores a recording under id.
func (s *Server) AddRecording(id string, data []byte, opts ...RecordingOption) {
	r := &recording{data: append([]byte(nil), data...), contentType: "audio/mpeg", added: s.now()}
	for _, o := range opts {
		o(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[id] = r
}

// InvalidRequests returns every invalid or refused request, oldest first.
func (s *Server) InvalidRequests() []InvalidRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]InvalidRequest(nil), s.invalid...)
}

// MaxInvalidWithin returns the largest number of invalid or refused
// requests inside any window of length d (half-open). A client that
// respects Mango's rule keeps MaxInvalidWithin(2*time.Minute) <= 1.
func (s *Server) MaxInvalidWithin(d time.Duration) int {
	inv := s.InvalidRequests()
	best := 0
	for i := range inv {
		n := 0
		for j := i; j < len(inv) && inv[j].Time.Sub(inv[i].Time) < d; j++ {
			n++
		}
		best = max(best, n)
	}
	return best
}

// Requests returns every API request seen, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Blocked reports whether the account is blocked now.
func (s *Server) Blocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().Before(s.blocked)
}

// IssuedLinks returns the one-time links handed out, oldest first (tests
// only; a client must never keep them).
func (s *Server) IssuedLinks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.links...)
}

// Downloads returns how often recording id was fetched successfully.
func (s *Server) Downloads(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.recs[id]; r != nil {
		return r.downloads
	}
	return 0
}

// FileRequestsWithCredentials counts link fetches that carried
// vpbx_api_key, sign, json or an Authorization header (must stay 0).
func (s *Server) FileRequestsWithCredentials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credLeaks
}

// StatsFilters returns the call_party numbers of stats requests seen.
func (s *Server) StatsFilters() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.statsFilter...)
}

func category(path string) string {
	switch path {
	case "stats/request", "stats/calls/request":
		return "statsStart"
	case "stats/result", "stats/calls/result":
		return "statsResult"
	case "config/users/request":
		return "users"
	case "queries/recording/post":
		return "recording"
	}
	return "default"
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func resultBody(code int, msg string) string {
	b, _ := json.Marshal(map[string]any{"result": code, "message": msg})
	return string(b)
}

// api handles /vpbx/… . The whole request runs under s.mu: the fake is for
// correctness, not speed.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(strings.TrimPrefix(r.URL.Path, "/vpbx/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rec := func(status, result int) {
		s.requests = append(s.requests, Request{Time: now, Path: path, HTTPStatus: status, Result: result})
	}

	if now.Before(s.blocked) {
		s.invalid = append(s.invalid, InvalidRequest{Time: now, Path: path, HTTPStatus: http.StatusUnauthorized})
		rec(http.StatusUnauthorized, 0)
		writeJSON(w, http.StatusUnauthorized, blockedBody)
		return
	}
	cat := category(path)
	if lim, ok := s.limits[cat]; ok {
		n := 0
		for _, t := range s.hits[cat] {
			if now.Sub(t) < lim.per {
				n++
			}
		}
		if n >= lim.n {
			rec(http.StatusTooManyRequests, 0)
			writeJSON(w, http.StatusTooManyRequests, rateLimitBody)
			return
		}
		s.hits[cat] = append(s.hits[cat], now)
	}
	fail := func(code int, msg string) {
		status := s.invalidStatus
		if !s.firstErr.IsZero() && now.Sub(s.firstErr) < lockWindow {
			s.blocked = s.firstErr.Add(lockWindow)
			status = http.StatusUnauthorized
			s.invalid = append(s.invalid, InvalidRequest{Time: now, Path: path, Code: code, HTTPStatus: status})
			rec(status, code)
			writeJSON(w, status, blockedBody)
			return
		}
		s.firstErr = now
		s.invalid = append(s.invalid, InvalidRequest{Time: now, Path: path, Code: code, HTTPStatus: status})
		rec(status, code)
		writeJSON(w, status, resultBody(code, msg))
	}

	if r.Method != http.MethodPost {
		fail(vpbx.ResultNotPost, "Запрос выполнен по методу, отличному от POST")
		return
	}
	if err := parseBody(r); err != nil {
		fail(vpbx.ResultBadParams, "bad form: "+err.Error())
		return
	}
	key, sign, js := r.PostForm.Get("vpbx_api_key"), r.PostForm.Get("sign"), r.PostForm.Get("json")
	if key != s.key {
		fail(vpbx.ResultWrongKey, "Неверный уникальный код ВАТС (vpbx_api_key)")
		return
	}
	if !vpbx.Verify(s.key, js, s.salt, sign) {
		fail(vpbx.ResultWrongSign, "Неверная подпись (sign)")
		return
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &params); err != nil {
		fail(vpbx.ResultBadParams, "json is not a JSON object")
		return
	}
	ok := func(status int, ct string, body []byte) {
		rec(status, 0)
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
	switch path {
	case "stats/request":
		s.statsRequest(now, params, fail, ok)
	case "stats/result":
		s.statsResult(now, params, ok)
	case "queries/recording/post":
		s.recordingPost(now, r, params, fail, w, rec)
	case "config/users/request":
		s.usersRequest(params, ok)
	default:
		ok(http.StatusNotFound, "application/json", []byte(`{"name":"Not Found","status":404}`))
	}
}

// parseBody accepts application/x-www-form-urlencoded and multipart bodies;
// fields in the query string do not count.
func parseBody(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		return r.ParseForm()
	case strings.HasPrefix(ct, "multipart/form-data"):
		return r.ParseMultipartForm(1 << 20)
	}
	return fmt.Errorf("content type %q", ct)
}

func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

func digits10(v string) string { return calls.NormalizeNumber(v) }

var knownFields = map[string]bool{
	"entry_id": true, "records": true, "start": true, "finish": true, "answer": true, "create": true,
	"from_extension": true, "from_number": true, "to_extension": true, "to_number": true,
	"disconnect_reason": true, "line_number": true, "location": true,
}

func (s *Server) statsRequest(now time.Time, p map[string]json.RawMessage, fail func(int, string), ok func(int, string, []byte)) {
	from, err1 := strconv.ParseInt(str(p["date_from"]), 10, 64)
	to, err2 := strconv.ParseInt(str(p["date_to"]), 10, 64)
	if err1 != nil || err2 != nil || to < from {
		fail(vpbx.ResultBadParams, "date_from/date_to required")
		return
	}
	if time.Duration(to-from)*time.Second > 31*24*time.Hour {
		fail(vpbx.ResultBadParams, "period longer than a month")
		return
	}
	s.periods = append(s.periods, StatsPeriod{Time: now, From: time.Unix(from, 0), To: time.Unix(to, 0)})
	fields := []string{"records", "start", "finish", "answer", "from_extension", "from_number", "to_extension", "to_number", "disconnect_reason", "line_number", "location"}
	if f := str(p["fields"]); f != "" {
		fields = nil
		for _, x := range strings.Split(f, ",") {
			x = strings.TrimSpace(x)
			if !knownFields[x] {
				fail(vpbx.ResultBadParams, "unknown field "+x)
				return
			}
			fields = append(fields, x)
		}
	}
	var party struct {
		Extension string `json:"extension"`
		Number    string `json:"number"`
	}
	if raw, has := p["call_party"]; has {
		if json.Unmarshal(raw, &party) != nil {
			fail(vpbx.ResultBadParams, "call_party must be an object")
			return
		}
		s.statsFilter = append(s.statsFilter, party.Number)
	}
	calls := append([]Call(nil), s.calls...)
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].Start.Before(calls[j].Start) })
	var b strings.Builder
	for _, c := range calls {
		if c.Start.Unix() < from || c.Start.Unix() > to {
			continue
		}
		if party.Number != "" && digits10(party.Number) != digits10(c.FromNumber) && digits10(party.Number) != digits10(c.ToNumber) {
			continue
		}
		if party.Extension != "" && party.Extension != c.FromExtension && party.Extension != c.ToExtension {
			continue
		}
		cols := make([]string, len(fields))
		for i, f := range fields {
			cols[i] = column(c, f)
		}
		b.WriteString(strings.Join(cols, ";"))
		b.WriteString("\r\n")
	}
	key := token()
	s.jobs[key] = &statsJob{created: now, csv: []byte(b.String())}
	ok(http.StatusOK, "application/json", []byte(`{"key":"`+key+`"}`))
}

func unix(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10)
}

func column(c Call, f string) string {
	switch f {
	case "entry_id":
		return c.EntryID
	case "records":
		return "[" + strings.Join(c.Records, ",") + "]"
	case "start", "create":
		return unix(c.Start)
	case "finish":
		return unix(c.Finish)
	case "answer":
		return unix(c.Answer)
	case "from_extension":
		return c.FromExtension
	case "from_number":
		return c.FromNumber
	case "to_extension":
		return c.ToExtension
	case "to_number":
		return c.ToNumber
	case "disconnect_reason":
		return strconv.Itoa(c.DisconnectReason)
	case "line_number":
		return c.LineNumber
	case "location":
		return c.Location
	}
	return ""
}

// statsResult: 404 (not a 3xxx) for an unknown or expired key, 204 until
// ready, then 200 with the CSV.
func (s *Server) statsResult(now time.Time, p map[string]json.RawMessage, ok func(int, string, []byte)) {
	job := s.jobs[str(p["key"])]
	if job == nil || now.Sub(job.created) > s.statsTTL {
		ok(http.StatusNotFound, "", nil)
		return
	}
	job.polls++
	if job.polls <= s.statsPolls || now.Sub(job.created) < s.statsDelay {
		ok(http.StatusNoContent, "", nil)
		return
	}
	ok(http.StatusOK, "text/csv; charset=utf-8", job.csv)
}

func (s *Server) recordingPost(now time.Time, r *http.Request, p map[string]json.RawMessage, fail func(int, string), w http.ResponseWriter, rec func(int, int)) {
	id, action := str(p["recording_id"]), str(p["action"])
	if id == "" || (action != "download" && action != "play") {
		fail(vpbx.ResultBadParams, "recording_id and action (download|play) required")
		return
	}
	rc := s.recs[id]
	if rc != nil {
		rc.attempts++
	}
	if rc == nil || rc.attempts <= rc.afterAttempts || now.Sub(rc.added) < rc.after {
		fail(vpbx.ResultRecordingNotFound, "Запись разговора не найдена")
		return
	}
	tok := token()
	s.files[tok] = &file{id: id, data: rc.data, ct: rc.contentType, expires: now.Add(s.linkTTL)}
	link := "http://" + r.Host + "/files/" + tok
	s.links = append(s.links, link)
	rec(http.StatusFound, 0)
	w.Header().Set("Location", link)
	w.WriteHeader(http.StatusFound)
}

// serveFile serves a one-time link: it works exactly once and only while
// not expired; anything else is 404.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if q.Has("vpbx_api_key") || q.Has("sign") || q.Has("json") || r.Header.Get("Authorization") != "" {
		s.credLeaks++
	}
	tok := strings.TrimPrefix(r.URL.Path, "/files/")
	f := s.files[tok]
	delete(s.files, tok)
	if r.Method != http.MethodGet || f == nil || s.now().After(f.expires) {
		http.NotFound(w, r)
		return
	}
	if rc := s.recs[f.id]; rc != nil {
		rc.downloads++
	}
	w.Header().Set("Content-Type", f.ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.data)
}

func (s *Server) usersRequest(p map[string]json.RawMessage, ok func(int, string, []byte)) {
	ext := str(p["extension"])
	type general struct {
		UserID int64  `json:"user_id"`
		Name   string `json:"name"`
		Email  string `json:"email"`
	}
	type telephony struct {
		Extension string `json:"extension"`
		Numbers   []any  `json:"numbers"`
	}
	type user struct {
		General   general   `json:"general"`
		Telephony telephony `json:"telephony"`
		Groups    []int     `json:"groups"`
	}
	out := struct {
		Users []user `json:"users"`
	}{Users: []user{}}
	for _, u := range s.users {
		if ext != "" && ext != u.Extension {
			continue
		}
		out.Users = append(out.Users, user{
			General:   general{UserID: u.UserID, Name: u.Name, Email: u.Email},
			Telephony: telephony{Extension: u.Extension, Numbers: []any{map[string]any{"number": "sip:" + u.Extension + "@example.mangosip.ru", "protocol": "sip", "order": 0, "wait_sec": 20, "status": "on"}}},
			Groups:    []int{},
		})
	}
	b, _ := json.Marshal(out)
	ok(http.StatusOK, "application/json", b)
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
