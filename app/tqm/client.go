// Package tqm is the T-Bank TQM "import call" client. What it sends follows
// tqm.md: v2 takes the fields as camelCase query parameters, v1 as a
// PascalCase JSON body; both authenticate with "Authorization: Basic <key>"
// (the raw key, not base64 of user:password). Only HTTP 200 means TQM
// accepted the call.
package tqm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultBaseURL is TQM's cloud.
const DefaultBaseURL = "https://tqm-cloud.tbank.ru"

// Field is one import field, by its camelCase (v2) name.
type Field struct {
	Name  string
	Value string
}

// Class is how an answer is treated.
type Class int

const (
	Accepted     Class = iota // HTTP 200
	Retry                     // 5xx, 429, timeout, no connection
	AuthRejected              // 401, 403
	Rejected                  // any other answer (4xx, 3xx)
)

func (c Class) String() string {
	return [...]string{"accepted", "retry", "auth-rejected", "rejected"}[c]
}

// Result of one request.
type Result struct {
	Class         Class
	HTTPStatus    int    // 0 when no answer
	CorrelationID string // x-correlation-id, always recorded when present
	Body          string // excerpt of the answer (≤ 2 KiB), key redacted
	Duration      time.Duration
}

// Client sends calls to TQM.
type Client struct {
	BaseURL    string                                    // default DefaultBaseURL
	API        string                                    // "v2" (default) or "v1"
	Key        func(ctx context.Context) (string, error) // the access key, read per request
	APIVersion string                                    // v2 apiVersion query parameter; "" omits it
	HTTP       *http.Client                              // default: 30 s timeout, no redirects
}

const bodyExcerpt = 2048

func (c *Client) base() string {
	b := c.BaseURL
	if b == "" {
		b = DefaultBaseURL
	}
	return strings.TrimRight(b, "/")
}

func (c *Client) path(withFile bool) string {
	p := "/integration/import/call"
	if c.API != "v1" {
		p = "/v2" + p
	}
	if withFile {
		p += "/with-file"
	}
	return c.base() + p
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// PascalCase turns a v2 field name into its v1 spelling (id → Id).
func PascalCase(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

// v1Body is the JSON object of a v1 request (PascalCase keys, empty values left out).
func v1Body(fields []Field) ([]byte, error) {
	m := map[string]string{}
	for _, f := range fields {
		if f.Value != "" {
			m[PascalCase(f.Name)] = f.Value
		}
	}
	return json.Marshal(m)
}

// valueJSON is the "value" part of a with-file request: camelCase for v2,
// PascalCase for v1 (inferred from tqm.md §5: a JSON object named "value").
func (c *Client) valueJSON(fields []Field) ([]byte, error) {
	if c.API == "v1" {
		return v1Body(fields)
	}
	m := map[string]string{}
	for _, f := range fields {
		if f.Value != "" {
			m[f.Name] = f.Value
		}
	}
	return json.Marshal(m)
}

// Send imports one call by link.
func (c *Client) Send(ctx context.Context, fields []Field) (Result, error) {
	var body io.Reader
	u := c.path(false)
	contentType := ""
	if c.API == "v1" {
		b, err := v1Body(fields)
		if err != nil {
			return Result{Class: Rejected}, fmt.Errorf("encode request: %w", err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
	} else {
		q := url.Values{}
		for _, f := range fields {
			if f.Value != "" {
				q.Set(f.Name, f.Value)
			}
		}
		if c.APIVersion != "" {
			q.Set("apiVersion", c.APIVersion)
		}
		u += "?" + q.Encode()
	}
	return c.do(ctx, u, contentType, body)
}

// SendWithFile imports one call with its recording uploaded as multipart
// form data: a "file" part and a "value" part holding the fields as JSON.
func (c *Client) SendWithFile(ctx context.Context, fields []Field, filename string, audio io.Reader) (Result, error) {
	value, err := c.valueJSON(fields)
	if err != nil {
		return Result{Class: Rejected}, fmt.Errorf("encode request: %w", err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("value", string(value)); err != nil {
		return Result{Class: Rejected}, err
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		return Result{Class: Rejected}, err
	}
	if _, err := io.Copy(fw, audio); err != nil {
		return Result{Class: Retry}, fmt.Errorf("read the recording: %w", err)
	}
	if err := mw.Close(); err != nil {
		return Result{Class: Rejected}, err
	}
	u := c.path(true)
	if c.API != "v1" && c.APIVersion != "" {
		u += "?apiVersion=" + url.QueryEscape(c.APIVersion)
	}
	return c.do(ctx, u, mw.FormDataContentType(), &buf)
}

// ErrNoKey: no access key to send with.
var ErrNoKey = errors.New("the TQM access key is not set")

func (c *Client) do(ctx context.Context, u, contentType string, body io.Reader) (Result, error) {
	key := ""
	if c.Key != nil {
		k, err := c.Key(ctx)
		if err != nil {
			return Result{Class: AuthRejected}, fmt.Errorf("%w: %v", ErrNoKey, err)
		}
		key = k
	}
	if key == "" {
		return Result{Class: AuthRejected}, ErrNoKey
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return Result{Class: Rejected}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Basic "+key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "mangotqm")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	start := time.Now()
	resp, err := c.httpClient().Do(req)
	res := Result{Duration: time.Since(start)}
	if err != nil {
		res.Class = Retry
		return res, fmt.Errorf("no answer from TQM: %w", redactErr(err, key, u))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, bodyExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	res.Duration = time.Since(start)
	res.HTTPStatus = resp.StatusCode
	res.CorrelationID = resp.Header.Get("X-Correlation-Id")
	res.Body = strings.ReplaceAll(strings.ToValidUTF8(string(b), "?"), key, "[redacted]")
	res.Class = Classify(resp.StatusCode)
	return res, nil
}

// Classify maps an HTTP status to a Class.
func Classify(status int) Class {
	switch {
	case status == http.StatusOK:
		return Accepted
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return AuthRejected
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		return Retry
	default:
		return Rejected
	}
}

// redactErr strips the URL (it may carry call data) and the key from a
// transport error while keeping its kind (timeout, refused, ...).
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

func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "TQM"
	}
	p.RawQuery = ""
	return p.String()
}
