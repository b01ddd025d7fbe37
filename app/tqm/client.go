// Package tqm is the T-Bank TQM "import call" client. What it sends follows
// docs/tqm.md: v2 takes the fields as camelCase query parameters and an empty
// body, v1 a PascalCase JSON body; both authenticate with
// "Authorization: Basic <key>" (the raw key, not base64 of user:password).
// Only HTTP 200 means TQM accepted the call (docs/tqm.md §4.2).
package tqm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
)

// DefaultBaseURL is TQM's cloud.
const DefaultBaseURL = "https://tqm-cloud.tbank.ru"

// DefaultAPIVersion is the apiVersion query parameter public code sends to
// the v2 import (docs/tqm.md §4.1).
const DefaultAPIVersion = "1.0"

// DefaultTimeout bounds one request when the caller gives no HTTP client.
const DefaultTimeout = 30 * time.Second

// The import fields by their v2 (camelCase) names; v1 spells them in
// PascalCase (see PascalCase).
const (
	FieldID                = "id"
	FieldCallDirection     = "callDirection"
	FieldStartDate         = "startDate"
	FieldEndDate           = "endDate"
	FieldHangupParty       = "hangupParty"
	FieldOperatorID        = "operatorId"
	FieldOperatorChannel   = "operatorChannel"
	FieldClientPhoneNumber = "clientPhoneNumber"
	FieldFileLink          = "fileLink"
	FieldLanguageCode      = "languageCode"
	FieldTaskType          = "taskType"
	FieldReason            = "reason"
	FieldResult            = "result"
)

// FieldNames lists the known import fields in TQM's order: the nine of the
// Albato/help-center mapping, then the optional ones public code sends
// (docs/tqm.md §6, §9.1). Names beyond id, callDirection, startDate, endDate and
// fileLink are not confirmed by the retrievable docs.
var FieldNames = []string{
	FieldID, FieldCallDirection, FieldStartDate, FieldEndDate, FieldHangupParty,
	FieldOperatorID, FieldOperatorChannel, FieldClientPhoneNumber, FieldFileLink,
	FieldLanguageCode, FieldTaskType, FieldReason, FieldResult,
}

// DateLayout is how TQM wants startDate and endDate: no time zone.
const DateLayout = "2006-01-02T15:04:05"

// Field is one import field, by its camelCase (v2) name.
type Field struct {
	Name  string
	Value string
}

// Request is one call to import: its fields in order. Fields with an empty
// value are not sent. Send and SendWithFile take []Field, so a Request and a
// plain []Field both work.
type Request []Field

// Fields returns the fields that are sent: those with a value, in order.
func (r Request) Fields() []Field {
	out := make([]Field, 0, len(r))
	for _, f := range r {
		if f.Value != "" {
			out = append(out, f)
		}
	}
	return out
}

// Get returns the value of a field ("" when absent); a repeated name yields
// the last value, as it is sent.
func (r Request) Get(name string) string {
	v := ""
	for _, f := range r {
		if f.Name == name {
			v = f.Value
		}
	}
	return v
}

// What TQM's answers come to (calls.Result.Outcome): only HTTP 200 is
// calls.OutcomeDelivered; 401 and 403 (and no key to send) are
// calls.OutcomePaused, the key is wrong; 5xx, 429, 408, a timeout and no
// connection are calls.OutcomeRetry; any other answer (other 4xx, 3xx,
// 1xx/2xx other than 200) is calls.OutcomeRejected. A Result's Response is
// an excerpt of the answer (≤ 2 KiB, key redacted; for a 3xx, why it was
// not followed); its RetryAfter is the wait TQM asked for with a 429 or
// 503 (Retry-After in seconds or as an HTTP date, at least a second,
// capped at MaxRetryAfter); its KeyFingerprint identifies the key TQM
// rejected (see Fingerprint), so the caller can tell later whether the key
// has been changed since.

// MaxRetryAfter caps a Retry-After: a larger value (or a date further off)
// is read as this.
const MaxRetryAfter = 6 * time.Hour

// Fingerprint identifies a key without revealing it: the first 16 hex
// digits of its SHA-256. Surrounding spaces are ignored.
func Fingerprint(key string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(key)))
	return hex.EncodeToString(sum[:8])
}

// KeyFingerprint reads the current key and returns its Fingerprint.
func (c *Client) KeyFingerprint(ctx context.Context) (string, error) {
	k, err := c.key(ctx)
	if err != nil {
		return "", err
	}
	return Fingerprint(k), nil
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date (RFC 9110 §10.2.3), relative to now. ok is false when h is empty or
// unreadable; a date in the past gives 0. The result is capped at
// MaxRetryAfter.
func ParseRetryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

// Client sends calls to TQM. The zero value sends to TQM's cloud with the v2
// API, but needs Key.
type Client struct {
	BaseURL string // default DefaultBaseURL
	API     string // "v2" (default) or "v1"
	// Key returns the access key; it is read for every request so a changed
	// key applies at once. Surrounding spaces are dropped.
	Key func(ctx context.Context) (string, error)
	// APIVersion is the v2 apiVersion query parameter. Callers choose: the
	// app passes DefaultAPIVersion unless configured otherwise; "" omits it.
	APIVersion string
	// HTTP is the client to use; redirects are never followed, whatever its
	// CheckRedirect says. Default: a client with Timeout.
	HTTP *http.Client
	// Timeout bounds one request (default DefaultTimeout when HTTP is nil;
	// with HTTP set, it applies on top of HTTP's own, and DefaultTimeout
	// applies when neither is set: no request is without a deadline).
	Timeout time.Duration
	// Clock times the requests and reads Retry-After dates (default
	// clock.Real).
	Clock clock.Clock
}

// bodyExcerpt is the most of an answer kept in Result.Body.
const bodyExcerpt = 2048

// ErrNoKey: no access key to send with.
var ErrNoKey = errors.New("the TQM access key is not set")

// ErrBadKey: the key cannot be put into an HTTP header.
var ErrBadKey = errors.New("the TQM access key contains characters that cannot be sent (spaces, line breaks or non-Latin letters)")

func (c *Client) v1() bool { return strings.EqualFold(c.API, "v1") }

func (c *Client) base() string {
	b := c.BaseURL
	if b == "" {
		b = DefaultBaseURL
	}
	return strings.TrimRight(b, "/")
}

// Endpoint returns the URL a request goes to (without query).
func (c *Client) Endpoint(withFile bool) string {
	p := "/integration/import/call"
	if !c.v1() {
		p = "/v2" + p
	}
	if withFile {
		p += "/with-file"
	}
	return c.base() + p
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		t := c.Timeout
		if t <= 0 {
			t = DefaultTimeout
		}
		return &http.Client{Timeout: t, CheckRedirect: noRedirect}
	}
	hc := *c.HTTP
	hc.CheckRedirect = noRedirect
	return &hc
}

// PascalCase turns a v2 field name into its v1 spelling (id → Id).
func PascalCase(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	if n == 0 {
		return name
	}
	return string(unicode.ToUpper(r)) + name[n:]
}

// jsonObject encodes the sent fields as one JSON object, PascalCase keys for
// v1 and camelCase for v2.
func jsonObject(r Request, pascal bool) ([]byte, error) {
	m := map[string]string{}
	for _, f := range r.Fields() {
		name := f.Name
		if pascal {
			name = PascalCase(name)
		}
		m[name] = f.Value
	}
	return json.Marshal(m)
}

// Send imports one call by link; fields is a Request or any []Field. v2: POST {base}/v2/integration/import/call
// with the fields as query parameters (plus apiVersion) and no body. v1:
// POST {base}/integration/import/call with a JSON body of PascalCase keys.
//
// err is non-nil when there was no usable answer (no key, no connection,
// timeout); then the outcome is a retry (or paused without a key).
// Otherwise the outcome tells what the answer means. Neither ever
// contains the key.
func (c *Client) Send(ctx context.Context, fields []Field) (calls.Result, error) {
	r := Request(fields)
	u := c.Endpoint(false)
	if c.v1() {
		b, err := jsonObject(r, true)
		if err != nil {
			return calls.Result{Outcome: calls.OutcomeRejected}, fmt.Errorf("encode the request: %w", err)
		}
		return c.do(ctx, u, "application/json", b)
	}
	q := url.Values{}
	for _, f := range r.Fields() {
		q.Set(f.Name, f.Value)
	}
	if c.APIVersion != "" {
		q.Set("apiVersion", c.APIVersion)
	}
	return c.do(ctx, u+"?"+q.Encode(), "", nil)
}

// SendWithFile imports one call with its recording uploaded:
// POST {base}[/v2]/integration/import/call/with-file as multipart/form-data
// with a "file" part (the recording) and a "value" part holding the fields
// as a JSON object — camelCase keys for v2, PascalCase for v1. fileLink is
// not needed then. v2 also gets apiVersion as a query parameter.
//
// This shape is an inference from docs/tqm.md §5: the docs name the "file" and
// "value" parts and call "value" the JSON request body, but the rest of the
// page (content types of the parts) is not retrievable.
func (c *Client) SendWithFile(ctx context.Context, fields []Field, filename string, audio io.Reader) (calls.Result, error) {
	r := Request(fields)
	value, err := jsonObject(r, c.v1())
	if err != nil {
		return calls.Result{Outcome: calls.OutcomeRejected}, fmt.Errorf("encode the request: %w", err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("value", string(value)); err != nil {
		return calls.Result{Outcome: calls.OutcomeRejected}, fmt.Errorf("build the upload: %w", err)
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		return calls.Result{Outcome: calls.OutcomeRejected}, fmt.Errorf("build the upload: %w", err)
	}
	if _, err := io.Copy(fw, audio); err != nil {
		return calls.Result{Outcome: calls.OutcomeRetry}, fmt.Errorf("read the recording: %w", err)
	}
	if err := mw.Close(); err != nil {
		return calls.Result{Outcome: calls.OutcomeRejected}, fmt.Errorf("build the upload: %w", err)
	}
	u := c.Endpoint(true)
	if !c.v1() && c.APIVersion != "" {
		u += "?" + url.Values{"apiVersion": {c.APIVersion}}.Encode()
	}
	return c.do(ctx, u, mw.FormDataContentType(), buf.Bytes())
}

func (c *Client) key(ctx context.Context) (string, error) {
	if c.Key == nil {
		return "", ErrNoKey
	}
	k, err := c.Key(ctx)
	if err != nil {
		// The store's error never holds the value (secrets.Store).
		return "", fmt.Errorf("%w: %w", ErrNoKey, err)
	}
	k = strings.TrimSpace(k)
	if k == "" {
		return "", ErrNoKey
	}
	for _, r := range k {
		if r <= ' ' || r >= 0x7f {
			return "", ErrBadKey
		}
	}
	return k, nil
}

func (c *Client) do(ctx context.Context, u, contentType string, body []byte) (calls.Result, error) {
	key, err := c.key(ctx)
	if err != nil {
		return calls.Result{Outcome: calls.OutcomePaused}, err
	}
	// Every request has a deadline: a hanging TQM must not hold a sender.
	if t := c.Timeout; c.HTTP != nil && (t > 0 || c.HTTP.Timeout <= 0) {
		if t <= 0 {
			t = DefaultTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, rd)
	if err != nil {
		return calls.Result{Outcome: calls.OutcomeRejected}, fmt.Errorf("build the request: %w", redactErr(err, key, u))
	}
	req.Header.Set("Authorization", "Basic "+key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "mangotqm")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	clk := clock.Or(c.Clock)
	start := clk.Now()
	resp, err := c.httpClient().Do(req)
	res := calls.Result{Duration: clk.Now().Sub(start)}
	if err != nil {
		res.Outcome = calls.OutcomeRetry
		return res, fmt.Errorf("no answer from TQM: %w", redactErr(err, key, u))
	}
	defer resp.Body.Close()
	// Read a little more than the excerpt so a key cut at the edge is still
	// recognised and redacted.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, int64(bodyExcerpt+len(key))))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	res.Duration = clk.Now().Sub(start)
	res.HTTPStatus = resp.StatusCode
	res.CorrelationID = resp.Header.Get("X-Correlation-Id")
	res.Outcome = outcomeOf(resp.StatusCode)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), clk.Now()); ok {
			res.RetryAfter = max(d, time.Second) // "now" (or a past date) still means: not in a burst
		}
	}
	if res.Outcome == calls.OutcomePaused {
		res.KeyFingerprint = Fingerprint(key)
	}
	text := strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), key, "[redacted]")
	text = truncate(text, bodyExcerpt)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		where := "elsewhere"
		if loc := resp.Header.Get("Location"); loc != "" {
			where = "to " + redactURL(loc)
		}
		note := fmt.Sprintf("TQM redirected the request %s (HTTP %d); redirects are not followed — check the TQM address (%s)",
			where, resp.StatusCode, c.base())
		text = truncate(strings.TrimSpace(note+"\n"+text), bodyExcerpt)
	}
	res.Response = text
	return res, nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// outcomeOf is what an HTTP status from TQM comes to.
func outcomeOf(status int) calls.Outcome {
	switch {
	case status == http.StatusOK:
		return calls.OutcomeDelivered
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return calls.OutcomePaused
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		return calls.OutcomeRetry
	default:
		return calls.OutcomeRejected
	}
}

// redactedError is a transport error with the URL's query (call data) and
// the key removed from its text; it still unwraps to the original, so
// errors.Is(err, context.Canceled) and net.Error checks keep working.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(err error, key, u string) error {
	msg := err.Error()
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		msg = ue.Op + " " + redactURL(u) + ": " + ue.Err.Error()
	}
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	return &redactedError{msg: msg, err: err}
}

// redactURL drops the query and any user info from u.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the TQM address"
	}
	p.RawQuery, p.User, p.Fragment = "", nil, ""
	return p.String()
}
