package tqm

import (
	"mangotqm/app/calls"

	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"mangotqm/app/tqm/sandbox"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{"Wed, 25 Nov 2026 12:05:00 GMT", 5 * time.Minute, true},
		{"Wednesday, 25-Nov-26 12:00:30 GMT", 30 * time.Second, true}, // RFC 850
		{"Wed, 25 Nov 2026 11:00:00 GMT", 0, true},                    // in the past
		{"99999999", MaxRetryAfter, true},
		{"Fri, 25 Dec 2026 12:00:00 GMT", MaxRetryAfter, true},
		{"", 0, false},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestClientReadsRetryAfterAndFingerprintsARejectedKey(t *testing.T) {
	fake := sandbox.New(key)
	defer fake.Close()
	c := &Client{BaseURL: fake.URL(), Key: keyFn(key), APIVersion: DefaultAPIVersion}
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantClass  calls.Outcome
		wantAfter  time.Duration
	}{
		{"429 seconds", 429, "120", calls.OutcomeRetry, 2 * time.Minute},
		{"503 date", 503, time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), calls.OutcomeRetry, 90 * time.Second},
		{"429 without header", 429, "", calls.OutcomeRetry, 0},
		{"500 ignores it", 500, "60", calls.OutcomeRetry, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.FailNextRetryAfter(1, tt.status, tt.retryAfter)
			res, err := c.Send(context.Background(), validRequest("RA-1"))
			if err != nil || res.Outcome != tt.wantClass || res.HTTPStatus != tt.status {
				t.Fatalf("%+v %v", res, err)
			}
			if d := res.RetryAfter - tt.wantAfter; d < -2*time.Second || d > 0 {
				t.Fatalf("RetryAfter %v, want %v", res.RetryAfter, tt.wantAfter)
			}
		})
	}
	bad := &Client{BaseURL: fake.URL(), Key: keyFn("  wrong-key  ")}
	res, err := bad.Send(context.Background(), validRequest("RA-2"))
	if err != nil || res.Outcome != calls.OutcomePaused || res.KeyFingerprint != Fingerprint("wrong-key") {
		t.Fatalf("%+v %v", res, err)
	}
	if strings.Contains(res.KeyFingerprint, "wrong") || len(res.KeyFingerprint) != 16 || Fingerprint(key) == res.KeyFingerprint {
		t.Fatalf("fingerprint %q", res.KeyFingerprint)
	}
	if fp, err := bad.KeyFingerprint(context.Background()); err != nil || fp != res.KeyFingerprint {
		t.Fatalf("KeyFingerprint %q %v", fp, err)
	}
	if _, err := (&Client{}).KeyFingerprint(context.Background()); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
}

// TestHangingTQMMeetsTheDeadline: a TQM that never answers costs one
// request timeout, also with a caller's HTTP client that has none.
func TestHangingTQMMeetsTheDeadline(t *testing.T) {
	fake := sandbox.New(key)
	defer fake.Close()
	fake.SetDelay(time.Hour)
	for _, hc := range []*http.Client{nil, {}} {
		c := &Client{BaseURL: fake.URL(), Key: keyFn(key), HTTP: hc, Timeout: 300 * time.Millisecond}
		start := time.Now()
		res, err := c.Send(context.Background(), validRequest("HANG-1"))
		if err == nil || res.Outcome != calls.OutcomeRetry || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Timeout") {
			t.Fatalf("hanging TQM: %+v %v", res, err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("took %v", took)
		}
	}
}
