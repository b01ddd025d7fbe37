package vpbx

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Mango result codes this package interprets (docs/mango.md §3.3).
const (
	ResultOK                = 1000
	ResultBadParams         = 3100 // invalid command parameters
	ResultNotPost           = 3101 // request made with a method other than POST
	ResultWrongSign         = 3102 // wrong signature (salt or signing bug)
	ResultWrongKey          = 3105 // wrong vpbx_api_key (VPBX code)
	ResultRecordingNotFound = 3320 // recording not found (also: not saved yet)
	ResultRecordingTooShort = 4002 // shorter than the VPBX minimum, never saved
	ResultOverload          = 5008 // Mango asks to slow down
)

// Sentinel errors; test with errors.Is.
var (
	// ErrLockedOut: the client does not call Mango right now because an
	// answer with a 3xxx result (or HTTP 401) arrived less than the lockout
	// window ago. The error is a *LockoutError with the cause.
	ErrLockedOut = errors.New("vpbx: Mango VPBX API calls paused after an invalid request")
	// ErrWrongKey: Mango answered 3105, the VPBX code (vpbx_api_key) is wrong.
	ErrWrongKey = errors.New("vpbx: wrong VPBX code (vpbx_api_key)")
	// ErrWrongSign: Mango answered 3102, the signature is wrong — the
	// signing key (vpbx_api_salt) is wrong.
	ErrWrongSign = errors.New("vpbx: wrong signature (vpbx_api_salt)")
	// ErrRateLimited: Mango answered 429 (or 503 / result 5008). Retryable.
	ErrRateLimited = errors.New("vpbx: Mango rate limit exceeded")
	// ErrRecordingNotReady: Mango answered result 3320 for a recording.
	// Mango gives the same answer for "not saved yet" and "does not exist";
	// retry later (at least the lockout window, see LockoutError) and give
	// up after your own deadline.
	ErrRecordingNotReady = errors.New("vpbx: recording not available yet")
	// ErrRecordingNotFound: Mango answered another non-success code for a
	// recording (e.g. 4002, too short to be saved). Not retryable.
	ErrRecordingNotFound = errors.New("vpbx: recording not found")
	// ErrStatsKeyExpired: stats/result answered 404 (wrong or expired key).
	ErrStatsKeyExpired = errors.New("vpbx: statistics key unknown or expired")
	// ErrNoCredentials: the key or salt is empty; nothing was sent.
	ErrNoCredentials = errors.New("vpbx: VPBX code or signing key not set")
	// ErrDownload: fetching the one-time recording link failed.
	ErrDownload = errors.New("vpbx: recording download failed")
	// ErrBadKey: an incoming event's vpbx_api_key is not ours.
	ErrBadKey = errors.New("vpbx: event has a foreign vpbx_api_key")
	// ErrBadSign: an incoming event's sign does not match its json.
	ErrBadSign = errors.New("vpbx: event signature mismatch")
	// ErrBadEvent: an incoming event is malformed (no json, not JSON).
	ErrBadEvent = errors.New("vpbx: malformed event")
)

// APIError is an answer from Mango that is not a success.
type APIError struct {
	Path       string // API method, e.g. "stats/request"
	HTTPStatus int
	Code       int    // Mango result code, 0 if none
	Message    string // Mango's message, if any (never contains secrets)
}

func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("vpbx: %s: result %d (HTTP %d) %s", e.Path, e.Code, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("vpbx: %s: HTTP %d %s", e.Path, e.HTTPStatus, e.Message)
}

// LockoutError explains why the client stopped calling Mango and until when.
// It matches ErrLockedOut, plus ErrWrongKey (Code 3105) or ErrWrongSign
// (Code 3102).
type LockoutError struct {
	Code       int       // result code that caused the pause; 0 for a bare HTTP 401
	HTTPStatus int       // HTTP status of that answer
	Path       string    // API method that got it
	Until      time.Time // no request is sent before this time (client clock)
}

func (e *LockoutError) Error() string {
	return fmt.Sprintf("vpbx: calls to Mango paused until %s after %s answered result %d (HTTP %d): %s",
		e.Until.Format(time.RFC3339), e.Path, e.Code, e.HTTPStatus, e.cause())
}

func (e *LockoutError) cause() string {
	switch {
	case e.Code == ResultWrongKey:
		return ErrWrongKey.Error()
	case e.Code == ResultWrongSign:
		return ErrWrongSign.Error()
	case e.HTTPStatus == 401 && e.Code == 0:
		return "Mango blocked the account for 2 minutes (HTTP 401)"
	default:
		return "invalid request"
	}
}

// Is lets errors.Is match the sentinels.
func (e *LockoutError) Is(target error) bool {
	switch target {
	case ErrLockedOut:
		return true
	case ErrWrongKey:
		return e.Code == ResultWrongKey
	case ErrWrongSign:
		return e.Code == ResultWrongSign
	}
	return false
}

// Credentials reports whether the cause points at the VPBX code or signing
// key (3102, 3105, or a 401 from Mango), i.e. the user must act: raise an
// incident. Other 3xxx causes (such as 3320 for a recording not saved yet)
// only pause the client.
func (e *LockoutError) Credentials() bool {
	return e.Code == ResultWrongKey || e.Code == ResultWrongSign || (e.HTTPStatus == 401 && e.Code == 0)
}

// MessageKey is the i18n key (assets/i18n/*/vpbx.json) describing the cause;
// MessageData fills its template fields.
func (e *LockoutError) MessageKey() string {
	switch {
	case e.Code == ResultWrongKey:
		return "vpbx.wrong_key"
	case e.Code == ResultWrongSign:
		return "vpbx.wrong_sign"
	case e.HTTPStatus == 401 && e.Code == 0:
		return "vpbx.locked_out"
	default:
		return "vpbx.invalid_request"
	}
}

// MessageData returns the template fields for MessageKey: Code, Until (local
// clock time, 15:04:05).
func (e *LockoutError) MessageData() map[string]any {
	return map[string]any{"Code": e.Code, "Until": e.Until.Local().Format("15:04:05")}
}

// RateLimitError is an HTTP 429 (or 503 / result 5008) answer. It matches
// ErrRateLimited. The client itself waits RetryAfter before its next request.
type RateLimitError struct {
	Path       string
	HTTPStatus int
	Code       int
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("vpbx: %s: rate limited (HTTP %d, result %d), retry after %s", e.Path, e.HTTPStatus, e.Code, e.RetryAfter)
}

// Is lets errors.Is match ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfter tells whether err is temporary and how long to wait at least
// before trying again (now is the caller's current time, for lockouts).
func RetryAfter(err error, now time.Time) (time.Duration, bool) {
	var lo *LockoutError
	if errors.As(err, &lo) {
		return max(lo.Until.Sub(now), 0), true
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	var re *RecordingError
	if errors.As(err, &re) {
		return max(re.RetryAt.Sub(now), 0), re.Code == ResultRecordingNotFound
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return 30 * time.Second, ae.HTTPStatus >= 500
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return 30 * time.Second, true
	}
	return 0, false
}

// RecordingError is a JSON answer of queries/recording/post instead of the
// redirect. Code 3320 matches ErrRecordingNotReady, anything else
// ErrRecordingNotFound. Since every 3xxx answer also pauses the client (see
// Client), RetryAt is the earliest time a retry is sent.
type RecordingError struct {
	Code    int
	Message string
	RetryAt time.Time
}

func (e *RecordingError) Error() string {
	if e.Code == ResultRecordingNotFound {
		return fmt.Sprintf("vpbx: recording not available yet (result %d), retry after %s", e.Code, e.RetryAt.Format(time.RFC3339))
	}
	return fmt.Sprintf("vpbx: recording not found (result %d) %s", e.Code, e.Message)
}

// Is lets errors.Is match ErrRecordingNotReady or ErrRecordingNotFound.
func (e *RecordingError) Is(target error) bool {
	if e.Code == ResultRecordingNotFound {
		return target == ErrRecordingNotReady
	}
	return target == ErrRecordingNotFound
}
