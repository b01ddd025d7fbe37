// Package tqmfake is a stand-in for T-Bank TQM's import API, written from
// tqm.md and as strict as it documents: exact paths, "Authorization: Basic
// <key>", required fields, lengths, enum values, date format without zone,
// dates not in the future, end ≥ start, fileLink ≤ 2000, MP3/WAV ≤ 32 MB for
// uploads. Every answer carries an x-correlation-id. Tests (and demo mode)
// steer it: outages, flapping, delays, a changed key.
package tqmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Received is one request TQM accepted (answered 200).
type Received struct {
	At            time.Time
	API           string // v1 | v2
	WithFile      bool
	Fields        map[string]string // camelCase names (v1 PascalCase is folded back)
	CorrelationID string
	FileSize      int
	FileFormat    string // mp3 | wav
	FileChannels  int
}

// Rejected is one request answered with an error.
type Rejected struct {
	At     time.Time
	Status int
	Reason string
}

// Server is the fake TQM.
type Server struct {
	srv  *httptest.Server
	now  func() time.Time
	seq  atomic.Int64
	skew time.Duration

	mu       sync.Mutex
	key      string
	accepted []Received
	rejected []Rejected
	outage   int
	failNext []int
	flaky    float64
	rng      *rand.Rand
	delay    time.Duration
}

// New starts a fake TQM that accepts key.
func New(key string) *Server {
	s := &Server{key: key, now: time.Now, skew: 2 * time.Minute}
	s.srv = httptest.NewServer(s.Handler())
	return s
}

// URL is the base URL (use as the client's BaseURL).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetKey changes the accepted key (a key "revoked" in the cabinet).
func (s *Server) SetKey(k string) { s.mu.Lock(); s.key = k; s.mu.Unlock() }

// SetOutage answers every request with status until ClearOutage.
func (s *Server) SetOutage(status int) { s.mu.Lock(); s.outage = status; s.mu.Unlock() }

// ClearOutage ends an outage.
func (s *Server) ClearOutage() { s.mu.Lock(); s.outage = 0; s.mu.Unlock() }

// FailNext answers the next n requests with status.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.failNext = append(s.failNext, status)
	}
}

// SetFlaky answers a request 503 with probability p (seeded), before looking
// at it: such a request never counts as accepted.
func (s *Server) SetFlaky(p float64, seed int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flaky, s.rng = p, rand.New(rand.NewSource(seed))
}

// SetDelay makes every answer wait d (a slow TQM).
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

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

// AcceptedIDs counts acceptances per call id.
func (s *Server) AcceptedIDs() map[string]int {
	m := map[string]int{}
	for _, r := range s.Accepted() {
		m[r.Fields["id"]]++
	}
	return m
}

// Rejections returns the requests answered with an error.
func (s *Server) Rejections() []Rejected {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejected(nil), s.rejected...)
}

// Handler serves the import API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/integration/import/call", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "v2", false) })
	mux.HandleFunc("/v2/integration/import/call/with-file", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "v2", true) })
	mux.HandleFunc("/integration/import/call", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "v1", false) })
	mux.HandleFunc("/integration/import/call/with-file", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "v1", true) })
	return mux
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, api string, withFile bool) {
	corr := fmt.Sprintf("fake-%d-%d", time.Now().UnixNano()%1e9, s.seq.Add(1))
	w.Header().Set("x-correlation-id", corr)
	s.mu.Lock()
	delay, key, status := s.delay, s.key, s.outage
	if status == 0 && len(s.failNext) > 0 {
		status, s.failNext = s.failNext[0], s.failNext[1:]
	}
	if status == 0 && s.flaky > 0 && s.rng.Float64() < s.flaky {
		status = http.StatusServiceUnavailable
	}
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if status != 0 {
		s.reject(w, status, "injected failure")
		return
	}
	if r.Method != http.MethodPost {
		s.reject(w, http.StatusMethodNotAllowed, "only POST")
		return
	}
	if r.Header.Get("Authorization") != "Basic "+key {
		s.reject(w, http.StatusUnauthorized, "wrong or missing access key")
		return
	}
	rec := Received{API: api, WithFile: withFile, CorrelationID: corr}
	var err error
	switch {
	case withFile:
		rec.Fields, err = s.readMultipart(r, api, &rec)
	case api == "v2":
		rec.Fields, err = readQuery(r)
	default:
		rec.Fields, err = readJSON(r)
	}
	if err == nil {
		err = s.validate(rec.Fields, !withFile)
	}
	if err != nil {
		s.reject(w, http.StatusBadRequest, err.Error())
		return
	}
	rec.At = time.Now()
	s.mu.Lock()
	s.accepted = append(s.accepted, rec)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"created"}`)
}

func (s *Server) reject(w http.ResponseWriter, status int, reason string) {
	s.mu.Lock()
	s.rejected = append(s.rejected, Rejected{At: time.Now(), Status: status, Reason: reason})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": reason})
	_, _ = w.Write(b)
}

// known lists the fields TQM takes (camelCase) and apiVersion.
var known = map[string]bool{"id": true, "callDirection": true, "startDate": true, "endDate": true,
	"hangupParty": true, "operatorId": true, "operatorChannel": true, "clientPhoneNumber": true,
	"fileLink": true, "languageCode": true, "taskType": true, "reason": true, "result": true}

func readQuery(r *http.Request) (map[string]string, error) {
	if b, _ := io.ReadAll(io.LimitReader(r.Body, 1)); len(b) > 0 {
		return nil, fmt.Errorf("v2 import/call takes query parameters, not a body")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("malformed query: %w", err)
	}
	m := map[string]string{}
	for k, vs := range q {
		if k == "apiVersion" {
			continue
		}
		if !known[k] {
			return nil, fmt.Errorf("unknown parameter %q", k)
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("parameter %q given %d times", k, len(vs))
		}
		m[k] = vs[0]
	}
	return m, nil
}

func fromJSON(b []byte, pascal bool) (map[string]string, error) {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %w", err)
	}
	m := map[string]string{}
	for k, v := range raw {
		name := k
		if pascal {
			if k == "" || strings.ToUpper(k[:1]) != k[:1] {
				return nil, fmt.Errorf("v1 field %q must be PascalCase", k)
			}
			name = strings.ToLower(k[:1]) + k[1:]
		}
		if !known[name] {
			return nil, fmt.Errorf("unknown field %q", k)
		}
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("field %q must be a string", k)
		}
		m[name] = str
	}
	return m, nil
}

func readJSON(r *http.Request) (map[string]string, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, fmt.Errorf("v1 import/call takes a JSON body (Content-Type %q)", mt)
	}
	if r.URL.RawQuery != "" {
		return nil, fmt.Errorf("v1 import/call takes no query parameters")
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return fromJSON(b, true)
}

const maxFile = 32 << 20

func (s *Server) readMultipart(r *http.Request, api string, rec *Received) (map[string]string, error) {
	if err := r.ParseMultipartForm(maxFile + 1<<20); err != nil {
		return nil, fmt.Errorf("multipart form expected: %w", err)
	}
	values := r.MultipartForm.Value["value"]
	if len(values) != 1 {
		return nil, fmt.Errorf("exactly one \"value\" part expected")
	}
	files := r.MultipartForm.File["file"]
	if len(files) != 1 {
		return nil, fmt.Errorf("exactly one \"file\" part expected")
	}
	if files[0].Size == 0 || files[0].Size > maxFile {
		return nil, fmt.Errorf("file size %d is outside 1 byte … 32 MB", files[0].Size)
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	format, channels := sniff(head[:n])
	if format == "" {
		return nil, fmt.Errorf("file is neither MP3 nor WAV")
	}
	rec.FileSize, rec.FileFormat, rec.FileChannels = int(files[0].Size), format, channels
	return fromJSON([]byte(values[0]), api == "v1")
}

// sniff recognises WAV (RIFF…WAVE) and MP3 (ID3 tag or an MPEG frame sync).
func sniff(b []byte) (format string, channels int) {
	switch {
	case len(b) >= 24 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		if len(b) >= 24 && string(b[12:16]) == "fmt " {
			return "wav", int(b[22]) | int(b[23])<<8
		}
		return "wav", 0
	case len(b) >= 3 && string(b[:3]) == "ID3":
		return "mp3", 0
	case len(b) >= 4 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		if b[3]>>6 == 3 {
			return "mp3", 1
		}
		return "mp3", 2
	}
	return "", 0
}

var enums = map[string][]string{
	"callDirection":   {"inbound", "outbound"},
	"hangupParty":     {"client", "operator", "timeout", "server"}, // beyond "client": from public code, unverified
	"operatorChannel": {"left", "right"},
}

const dateLayout = "2006-01-02T15:04:05"

func (s *Server) validate(m map[string]string, fileLinkRequired bool) error {
	required := []string{"id", "callDirection", "startDate", "endDate"}
	if fileLinkRequired {
		required = append(required, "fileLink")
	}
	for _, f := range required {
		if m[f] == "" {
			return fmt.Errorf("%s is required", f)
		}
	}
	if n := utf8.RuneCountInString(m["id"]); n > 32 {
		return fmt.Errorf("id must be at most 32 characters, got %d", n)
	}
	if n := utf8.RuneCountInString(m["fileLink"]); n > 2000 {
		return fmt.Errorf("fileLink must be at most 2000 characters, got %d", n)
	}
	if v := m["fileLink"]; v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("fileLink must be an http(s) link")
		}
	}
	for f, allowed := range enums {
		v, ok := m[f]
		if !ok {
			continue
		}
		found := false
		for _, a := range allowed {
			if v == a {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%s must be one of %s, got %q", f, strings.Join(allowed, ", "), v)
		}
	}
	moscow, _ := time.LoadLocation("Europe/Moscow")
	var start, end time.Time
	for _, f := range []string{"startDate", "endDate"} {
		t, err := time.ParseInLocation(dateLayout, m[f], moscow)
		if err != nil {
			return fmt.Errorf("%s must look like 2023-09-25T11:00:00 (no time zone), got %q", f, m[f])
		}
		if t.After(s.now().Add(s.skew)) {
			return fmt.Errorf("%s must not be in the future", f)
		}
		if f == "startDate" {
			start = t
		} else {
			end = t
		}
	}
	if end.Before(start) {
		return fmt.Errorf("endDate must not be earlier than startDate")
	}
	return nil
}
