// Package sandbox owns the local stand-in for T-Bank TQM's import API that
// demo mode sends to and the tests use as their fake TQM. It is written from
// docs/tqm.md and as strict as it documents: POST only, exact paths,
// "Authorization: Basic <key>" compared exactly, v2 fields as query
// parameters only and v1 fields as a PascalCase JSON body, only known field
// names, required fields, id ≤ 32 characters, enum values, dates exactly
// 2006-01-02T15:04:05 (no zone) not in the future, end ≥ start, fileLink
// ≤ 2000 characters, and for uploads a multipart form with one MP3/WAV
// "file" part ≤ 32 MB and one JSON "value" part. Every answer carries a
// unique x-correlation-id; a validation failure is a 400 with
// {"message": "..."} naming the field.
//
// Where docs/tqm.md is unsure, the fake takes the strict reading and says so:
// hangupParty's values beyond "client" and operatorChannel's values come from
// public code, and the dates are read as Moscow time (SetLocation changes it).
//
// Demo mode and tests steer it at runtime: FailNext, SetOutage, SetFlaky,
// SetDelay, SetKey. Injected failures are answered before the request is
// looked at, like a gateway would: they never count as accepted, and are
// kept among the rejections with Injected set.
package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Received is one request the fake answered 200.
type Received struct {
	At            time.Time
	API           string // v1 | v2
	WithFile      bool
	Fields        map[string]string // camelCase names (v1 PascalCase is folded back)
	APIVersion    string            // the apiVersion query parameter, if sent
	CorrelationID string
	// AnswerLost: the client had gone (timeout, cancel) before the answer;
	// TQM has the call but the client never heard so.
	AnswerLost bool
	FileName   string // with-file: the file part's name
	FileSize   int    // with-file: bytes
	FileFormat string // with-file: mp3 | wav
	// FileChannels is 1 or 2 when the header tells (WAV fmt chunk, MPEG
	// frame mode), else 0.
	FileChannels int
}

// Rejection is one request answered with something other than 200.
type Rejection struct {
	At            time.Time
	Method        string
	Path          string
	Status        int
	Reason        string
	CorrelationID string
	// Injected: a failure the test asked for (FailNext, SetOutage, SetFlaky);
	// the request was not validated.
	Injected bool
	// ID is the call id when one could be read (best effort).
	ID string
}

// Stats counts what the fake has seen.
type Stats struct {
	Requests   int // every request
	Accepted   int // answered 200
	Rejected   int // answered non-200 (includes Injected)
	Injected   int // received but answered with an injected failure
	AnswerLost int // accepted, but the client had gone before the answer
}

// EnumMatch is how strictly enum values are compared.
type EnumMatch int

const (
	// EnumLower accepts only the documented lower-case values (default).
	EnumLower EnumMatch = iota
	// EnumAnyCase accepts any letter case ("Inbound", "LEFT").
	EnumAnyCase
)

// MaxFile is the largest MP3 accepted; MaxWAV the largest original
// PCM-WAV, which TQM converts to MP3 (docs/tqm.md §3.2).
const (
	MaxFile = 32 << 20
	MaxWAV  = 100 << 20
)

// DateLayout is the only date format accepted.
const DateLayout = "2006-01-02T15:04:05"

// Server is the fake TQM.
type Server struct {
	srv     *httptest.Server
	closing chan struct{}
	once    sync.Once

	mu        sync.Mutex
	key       string
	accepted  []Received
	rejected  []Rejection
	stats     Stats
	outage    int
	failNext  []injected
	flaky     float64
	rng       *mrand.Rand
	delay     time.Duration
	now       func() time.Time
	skew      time.Duration
	loc       *time.Location
	enumMatch EnumMatch
	users     map[string]User
}

// New starts a fake TQM on a loopback port that accepts key.
func New(key string) *Server {
	s := NewUnstarted(key)
	s.Start()
	return s
}

// NewUnstarted returns a fake TQM that is not listening yet: call Start, or
// serve Handler yourself.
func NewUnstarted(key string) *Server {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		loc = time.FixedZone("MSK", 3*60*60) // Moscow has been UTC+3 since 2014
	}
	return &Server{key: key, now: time.Now, skew: 2 * time.Minute, loc: loc, closing: make(chan struct{})}
}

// Start listens on a loopback port.
func (s *Server) Start() {
	if s.srv == nil {
		s.srv = httptest.NewServer(s.Handler())
	}
}

// URL is the base URL (use as the client's BaseURL); "" before Start.
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// Close stops the server; a pending SetDelay wait ends at once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	if s.srv != nil {
		s.srv.Close()
	}
}

// SetKey changes the accepted key (a key "revoked" in the cabinet).
func (s *Server) SetKey(k string) { s.mu.Lock(); s.key = k; s.mu.Unlock() }

// SetOutage answers every request with status until ClearOutage.
func (s *Server) SetOutage(status int) { s.mu.Lock(); s.outage = status; s.mu.Unlock() }

// ClearOutage ends an outage.
func (s *Server) ClearOutage() { s.mu.Lock(); s.outage = 0; s.mu.Unlock() }

// injected is one failure FailNext queued.
type injected struct {
	status     int
	retryAfter string
}

// FailNext answers the next n requests with status (after any outage).
func (s *Server) FailNext(n, status int) { s.FailNextRetryAfter(n, status, "") }

// FailNextRetryAfter answers the next n requests with status and, when
// retryAfter is not empty, a Retry-After header with that value (seconds
// or an HTTP date), as a rate-limiting gateway does.
func (s *Server) FailNextRetryAfter(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.failNext = append(s.failNext, injected{status, retryAfter})
	}
}

// SetFlaky answers a request 503 with probability p (a seeded, repeatable
// sequence), before looking at it: such a request never counts as accepted
// and is counted in Stats.Injected. p ≤ 0 turns it off.
func (s *Server) SetFlaky(p float64, seed int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flaky, s.rng = p, mrand.New(mrand.NewSource(seed))
}

// SetDelay makes every answer wait d first (a slow TQM). A request whose
// client gives up meanwhile is still processed: TQM got it, the answer is
// lost (Received.AnswerLost).
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// SetSkew sets how far in the future a date may be (clock difference
// between the bridge and TQM); default 2 minutes.
func (s *Server) SetSkew(d time.Duration) { s.mu.Lock(); s.skew = d; s.mu.Unlock() }

// SetNow replaces the clock dates are checked against.
func (s *Server) SetNow(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetLocation sets the zone dates are read in (default Europe/Moscow; TQM's
// docs do not say, docs/tqm.md §6).
func (s *Server) SetLocation(loc *time.Location) { s.mu.Lock(); s.loc = loc; s.mu.Unlock() }

// SetEnumMatch sets how enum values are compared (default EnumLower).
func (s *Server) SetEnumMatch(m EnumMatch) { s.mu.Lock(); s.enumMatch = m; s.mu.Unlock() }

// Reset forgets every recorded request and counter (the controls stay).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted, s.rejected, s.stats = nil, nil, Stats{}
}

// Accepted returns the accepted requests, oldest first.
func (s *Server) Accepted() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.accepted...)
}

// Find returns the accepted requests for one call id.
func (s *Server) Find(id string) []Received {
	var out []Received
	for _, r := range s.Accepted() {
		if r.Fields["id"] == id {
			out = append(out, r)
		}
	}
	return out
}

// CountByID is how many times a call id was accepted.
func (s *Server) CountByID(id string) int { return len(s.Find(id)) }

// AcceptedIDs counts acceptances per call id.
func (s *Server) AcceptedIDs() map[string]int {
	m := map[string]int{}
	for _, r := range s.Accepted() {
		m[r.Fields["id"]]++
	}
	return m
}

// Rejected returns the requests answered with something other than 200,
// oldest first.
func (s *Server) Rejected() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejected...)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// route is one endpoint.
type route struct {
	api      string
	withFile bool
}

var routes = map[string]route{
	"/v2/integration/import/call":           {"v2", false},
	"/v2/integration/import/call/with-file": {"v2", true},
	"/integration/import/call":              {"v1", false},
	"/integration/import/call/with-file":    {"v1", true},
}

// Handler serves the import API. Paths must match exactly (no trailing
// slash, no cleaning).
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == PathImportUser {
			s.serveUser(w, r)
			return
		}
		s.serve(w, r)
	})
}

// requestError is a rejection with its status.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func bad(format string, a ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, a...)}
}

func newCorrelationID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80 // a version 4 UUID, as TQM's look
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	corr := newCorrelationID()
	w.Header().Set("x-correlation-id", corr)

	s.mu.Lock()
	s.stats.Requests++
	delay, key, injected := s.delay, s.key, s.outage
	retryAfter := ""
	if injected == 0 && len(s.failNext) > 0 {
		injected, retryAfter = s.failNext[0].status, s.failNext[0].retryAfter
		s.failNext = s.failNext[1:]
	}
	if injected == 0 && s.flaky > 0 && s.rng.Float64() < s.flaky {
		injected = http.StatusServiceUnavailable
	}
	v := validator{now: s.now(), skew: s.skew, loc: s.loc, enumMatch: s.enumMatch}
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.closing:
			t.Stop()
		}
	}
	rt, known := routes[r.URL.Path]
	if injected != 0 {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		s.reject(w, r, corr, &requestError{status: injected, msg: "injected failure"}, true, bestEffortID(r, rt))
		return
	}
	if !known {
		s.reject(w, r, corr, &requestError{http.StatusNotFound, fmt.Sprintf("no such method: %s", r.URL.Path)}, false, "")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.reject(w, r, corr, &requestError{http.StatusMethodNotAllowed, "only POST is allowed"}, false, "")
		return
	}
	if r.Header.Get("Authorization") != "Basic "+key {
		s.reject(w, r, corr, &requestError{http.StatusUnauthorized, "wrong or missing access key (Authorization: Basic <key>)"}, false, "")
		return
	}
	rec := Received{API: rt.api, WithFile: rt.withFile, CorrelationID: corr}
	var err error
	switch {
	case rt.withFile:
		rec.Fields, err = readMultipart(w, r, rt.api, &rec)
	case rt.api == "v2":
		rec.Fields, err = readQuery(r, &rec)
	default:
		rec.Fields, err = readJSONBody(r)
	}
	if err == nil {
		err = v.validate(rec.Fields, !rt.withFile)
	}
	if err != nil {
		s.reject(w, r, corr, err, false, rec.Fields["id"])
		return
	}
	rec.At = time.Now()
	rec.AnswerLost = r.Context().Err() != nil
	s.mu.Lock()
	s.accepted = append(s.accepted, rec)
	s.stats.Accepted++
	if rec.AnswerLost {
		s.stats.AnswerLost++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{}`)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, corr string, err error, injected bool, id string) {
	status := http.StatusBadRequest
	var re *requestError
	if errors.As(err, &re) {
		status = re.status
	}
	s.mu.Lock()
	s.rejected = append(s.rejected, Rejection{At: time.Now(), Method: r.Method, Path: r.URL.Path, Status: status,
		Reason: err.Error(), CorrelationID: corr, Injected: injected, ID: id})
	s.stats.Rejected++
	if injected {
		s.stats.Injected++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": err.Error()})
	_, _ = w.Write(b)
}

// bestEffortID reads the call id of a request that is not validated.
func bestEffortID(r *http.Request, rt route) string {
	if id := r.URL.Query().Get("id"); id != "" {
		return id
	}
	if rt.api == "v1" && !rt.withFile {
		var m map[string]any
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if json.Unmarshal(b, &m) == nil {
			id, _ := m["Id"].(string)
			return id
		}
	}
	return ""
}

// known lists the fields TQM takes (camelCase), docs/tqm.md §3.1, §4.1, §9.1.
var known = map[string]bool{"id": true, "callDirection": true, "startDate": true, "endDate": true,
	"hangupParty": true, "operatorId": true, "operatorChannel": true, "clientPhoneNumber": true,
	"fileLink": true, "languageCode": true, "taskType": true, "reason": true, "result": true}

// readQueryOnly checks the raw query: parsable, each name once, names
// allowed by ok; apiVersion is always allowed and recorded.
func readQueryOnly(r *http.Request, rec *Received, ok func(string) bool) (map[string]string, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, bad("malformed query string: %v", err)
	}
	m := map[string]string{}
	for k, vs := range q {
		if len(vs) != 1 {
			return nil, bad("parameter %q is given %d times", k, len(vs))
		}
		if k == "apiVersion" {
			rec.APIVersion = vs[0]
			continue
		}
		if !ok(k) {
			return nil, bad("unknown parameter %q", k)
		}
		m[k] = vs[0]
	}
	return m, nil
}

func readQuery(r *http.Request, rec *Received) (map[string]string, error) {
	if b, _ := io.ReadAll(io.LimitReader(r.Body, 1)); len(b) > 0 {
		return nil, bad("v2 import/call takes query parameters, not a body")
	}
	return readQueryOnly(r, rec, func(k string) bool { return known[k] })
}

// fromJSON reads a JSON object of string values; v1 wants PascalCase keys
// (Id, CallDirection, ...), v2 camelCase (id, callDirection, ...).
func fromJSON(b []byte, pascal bool) (map[string]string, error) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, bad("the JSON is not an object: %v", err)
	}
	m := map[string]string{}
	for k, v := range raw {
		name := k
		if k == "" {
			return nil, bad("empty field name")
		}
		first := k[:1]
		if pascal {
			if strings.ToUpper(first) != first {
				return nil, bad("field %q must be PascalCase in v1", k)
			}
			name = strings.ToLower(first) + k[1:]
		} else if strings.ToLower(first) != first {
			return nil, bad("field %q must be camelCase in v2", k)
		}
		if !known[name] {
			return nil, bad("unknown field %q", k)
		}
		str, ok := v.(string)
		if !ok {
			return nil, bad("field %q must be a string", k)
		}
		m[name] = str
	}
	return m, nil
}

func readJSONBody(r *http.Request) (map[string]string, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, bad("v1 import/call takes a JSON body (Content-Type: application/json, got %q)", r.Header.Get("Content-Type"))
	}
	if r.URL.RawQuery != "" {
		return nil, bad("v1 import/call takes no query parameters")
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, bad("reading the body: %v", err)
	}
	return fromJSON(b, true)
}

// readMultipart reads a with-file upload: exactly one "file" part (MP3 or
// non-PCM WAV, 1 byte … 32 MB; PCM-WAV up to 100 MB) and one "value" part (the fields as JSON), nothing
// else.
func readMultipart(w http.ResponseWriter, r *http.Request, api string, rec *Received) (map[string]string, error) {
	if api == "v1" && r.URL.RawQuery != "" {
		return nil, bad("v1 import/call/with-file takes no query parameters")
	}
	if api == "v2" {
		if _, err := readQueryOnly(r, rec, func(string) bool { return false }); err != nil {
			return nil, err
		}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return nil, bad("with-file takes multipart/form-data (got %q)", r.Header.Get("Content-Type"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxWAV+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &requestError{http.StatusRequestEntityTooLarge, "file: the upload is larger than 100 MB"}
		}
		return nil, bad("malformed multipart form: %v", err)
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	form := r.MultipartForm
	for k := range form.Value {
		if k != "value" {
			return nil, bad("unknown form part %q", k)
		}
	}
	for k := range form.File {
		if k != "file" {
			return nil, bad("unknown form part %q", k)
		}
	}
	if len(form.Value["value"]) != 1 {
		return nil, bad("value: exactly one \"value\" part (the JSON fields) is required")
	}
	files := form.File["file"]
	if len(files) != 1 {
		return nil, bad("file: exactly one \"file\" part is required")
	}
	fh := files[0]
	if fh.Size == 0 {
		return nil, bad("file: the file is empty")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, bad("file: %v", err)
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	format, channels := Sniff(head[:n])
	if format == "" {
		return nil, bad("file: neither MP3 nor WAV")
	}
	if format == "wav" && pcmWAV(head[:n]) {
		if fh.Size > MaxWAV {
			return nil, bad("file: %d bytes is more than 100 MB (PCM-WAV)", fh.Size)
		}
	} else if fh.Size > MaxFile {
		return nil, bad("file: %d bytes is more than 32 MB", fh.Size)
	}
	rec.FileName, rec.FileSize, rec.FileFormat, rec.FileChannels = fh.Filename, int(fh.Size), format, channels
	return fromJSON([]byte(form.Value["value"][0]), api == "v1")
}

// pcmWAV says whether a WAV header's first chunk is a "fmt " of format
// tag 1 (PCM).
func pcmWAV(b []byte) bool {
	return len(b) >= 22 && string(b[12:16]) == "fmt " && b[20] == 1 && b[21] == 0
}

// Sniff recognises WAV (RIFF….WAVE) and MP3 (an ID3 tag, or an MPEG audio
// frame sync 0xFFE with a valid layer, which tells AAC/ADTS apart) and the
// channel count when the header shows it.
func Sniff(b []byte) (format string, channels int) {
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		if len(b) >= 24 && string(b[12:16]) == "fmt " {
			return "wav", int(b[22]) | int(b[23])<<8
		}
		return "wav", 0
	case len(b) >= 3 && string(b[:3]) == "ID3":
		return "mp3", 0
	case len(b) >= 4 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && (b[1]>>1)&3 != 0:
		if b[3]>>6 == 3 {
			return "mp3", 1
		}
		return "mp3", 2
	}
	return "", 0
}

// enums are the allowed values. hangupParty beyond "client" and
// operatorChannel come from public code (docs/tqm.md §6, §9.1), not the docs.
var enums = map[string][]string{
	"callDirection":   {"inbound", "outbound"},
	"hangupParty":     {"client", "operator", "timeout", "server"},
	"operatorChannel": {"left", "right"},
}

// enumOrder keeps error messages stable.
var enumOrder = []string{"callDirection", "hangupParty", "operatorChannel"}

type validator struct {
	now       time.Time
	skew      time.Duration
	loc       *time.Location
	enumMatch EnumMatch
}

func (v validator) validate(m map[string]string, fileLinkRequired bool) error {
	required := []string{"id", "callDirection", "startDate", "endDate"}
	if fileLinkRequired {
		required = append(required, "fileLink")
	}
	for _, f := range required {
		if m[f] == "" {
			return bad("%s is required", f)
		}
	}
	if n := utf8.RuneCountInString(m["id"]); n > 32 {
		return bad("id must be at most 32 characters, got %d", n)
	}
	if link, ok := m["fileLink"]; ok {
		if n := utf8.RuneCountInString(link); n > 2000 {
			return bad("fileLink must be at most 2000 characters, got %d", n)
		}
		if u, err := url.Parse(link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("fileLink must be an http(s) link")
		}
	}
	for _, f := range enumOrder {
		val, ok := m[f]
		if !ok {
			continue
		}
		found := false
		for _, a := range enums[f] {
			if val == a || (v.enumMatch == EnumAnyCase && strings.EqualFold(val, a)) {
				found = true
			}
		}
		if !found {
			return bad("%s must be one of %s, got %q", f, strings.Join(enums[f], ", "), val)
		}
	}
	var start, end time.Time
	for _, f := range []string{"startDate", "endDate"} {
		t, err := time.ParseInLocation(DateLayout, m[f], v.loc)
		// Go's parser takes fractional seconds the layout lacks; TQM's
		// format has none, so the text must come back unchanged.
		if err != nil || t.Format(DateLayout) != m[f] {
			return bad("%s must look like 2023-09-25T11:00:00 (no time zone, no fractions), got %q", f, m[f])
		}
		if t.After(v.now.Add(v.skew)) {
			return bad("%s must not be in the future (%s is later than now in %s)", f, m[f], v.loc)
		}
		if f == "startDate" {
			start = t
		} else {
			end = t
		}
	}
	if end.Before(start) {
		return bad("endDate must not be earlier than startDate")
	}
	return nil
}
