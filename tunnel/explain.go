package tunnel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"regexp"
	"strings"
	"time"

	"golang.ngrok.com/ngrok/v2"

	"mangotqm/assets/i18n"
)

// Message keys (assets/i18n/*/tunnel.json) of the plain explanations shown to
// the admin. Each one says what happened and what to do.
const (
	KeyClosed             = "tunnel.closed"
	KeyLocalListenFailed  = "tunnel.local.listen_failed"
	KeyNoAuthtoken        = "tunnel.ngrok.no_authtoken"
	KeyBadAuthtoken       = "tunnel.ngrok.bad_authtoken"    // ERR_NGROK_105, ERR_NGROK_107
	KeyOldAuthtoken       = "tunnel.ngrok.old_authtoken"    // ERR_NGROK_106
	KeySessionLimit       = "tunnel.ngrok.session_limit"    // ERR_NGROK_108
	KeyDomainNotYours     = "tunnel.ngrok.domain_not_yours" // ERR_NGROK_313, ERR_NGROK_320
	KeyEndpointInUse      = "tunnel.ngrok.endpoint_in_use"  // ERR_NGROK_334
	KeyNoCredential       = "tunnel.ngrok.no_credential"    // ERR_NGROK_4018
	KeyUnreachable        = "tunnel.ngrok.unreachable"      // dial errors, no answer in time
	KeyTLSIntercepted     = "tunnel.ngrok.tls_intercepted"  // certificate errors (antivirus/proxy)
	KeyBadURL             = "tunnel.ngrok.bad_url"          // NgrokConfig.URL is not a URL
	KeyLost               = "tunnel.ngrok.lost"             // endpoint closed under us; reconnecting
	KeyBlockedIP          = "tunnel.ngrok.blocked_ip"       // ERR_NGROK_9040: this computer's address is refused
	KeyQuota              = "tunnel.ngrok.quota"            // ERR_NGROK_727: the free plan's monthly requests are used up
	KeyLocationBlocked    = "tunnel.ngrok.location_blocked" // ERR_NGROK_22001: ngrok.com refuses this location
	KeyUnknown            = "tunnel.ngrok.unknown"          // anything else ({{.Code}} when known)
	KeyProbeUnreachable   = "tunnel.probe.unreachable"      // self-probe failed K times
	KeyProbeRecovered     = "tunnel.probe.recovered"        // self-probe works again
	KeyURLChanged         = "tunnel.url_changed"            // public URL differs from the copied one ({{.URL}})
	codePrefix            = "ERR_NGROK_"
	docsURL               = "https://ngrok.com/docs/errors/"
	explainUnknownDefault = KeyUnknown
)

var (
	// ErrNoAuthtoken is returned by Start when no ngrok authtoken is set.
	// Nothing is sent over the network in that case.
	ErrNoAuthtoken = errors.New("ngrok authtoken is not set")
	// ErrBadURL is returned by Start when NgrokConfig.URL is not a usable URL.
	ErrBadURL = errors.New("ngrok URL is not valid")
	// ErrClosed is returned by Start after Close.
	ErrClosed = errors.New("tunnel closed")
	// ErrNoAnswer means ngrok did not bring the endpoint online within
	// NgrokConfig.StartTimeout.
	ErrNoAnswer = errors.New("ngrok did not answer in time")
)

// codeKeys maps ngrok error codes to message keys.
var codeKeys = map[string]string{
	"ERR_NGROK_105":   KeyBadAuthtoken,
	"ERR_NGROK_106":   KeyOldAuthtoken,
	"ERR_NGROK_107":   KeyBadAuthtoken,
	"ERR_NGROK_108":   KeySessionLimit,
	"ERR_NGROK_313":   KeyDomainNotYours,
	"ERR_NGROK_320":   KeyDomainNotYours,
	"ERR_NGROK_334":   KeyEndpointInUse,
	"ERR_NGROK_4018":  KeyNoCredential,
	"ERR_NGROK_9040":  KeyBlockedIP,
	"ERR_NGROK_727":   KeyQuota,
	"ERR_NGROK_22001": KeyLocationBlocked,
}

// otherRoad lists the keys of ngrok failures that waiting will not fix
// from this office: the admin is offered another road at once.
var otherRoad = map[string]bool{
	KeyBlockedIP:       true,
	KeyQuota:           true,
	KeyLocationBlocked: true,
}

// SuggestsOtherRoad reports whether a failure explained by messageKey is
// one ngrok will not get over from this office (its address is refused,
// the month's requests are used up, ngrok.com refuses the location): the
// window and the wizard then offer another road in one click.
func SuggestsOtherRoad(messageKey string) bool { return otherRoad[messageKey] }

// needsAdmin lists the keys of failures that retrying will not fix until
// someone changes a setting (or closes another copy of the program): Start
// stops waiting and reports them at once; the tunnel still retries slowly.
var needsAdmin = map[string]bool{
	KeyBadAuthtoken:    true,
	KeyOldAuthtoken:    true,
	KeySessionLimit:    true,
	KeyDomainNotYours:  true,
	KeyNoCredential:    true,
	KeyBlockedIP:       true,
	KeyQuota:           true,
	KeyLocationBlocked: true,
}

var codeRE = regexp.MustCompile(`(?i)ERR_NGROK_(\d+)`)

// Explain turns an error from the tunnel (or from ngrok-go) into the ngrok
// error code, when there is one ("ERR_NGROK_108"), and the i18n key of a plain
// message for the admin. It returns ("", "") for a nil error.
//
// Order: an ngrok.Error code anywhere in the chain (errors.As, which also
// walks joined errors); then an ERR_NGROK_NNN found in the text; then our own
// sentinel errors; then certificate errors; then dial errors and timeouts
// ("cannot reach ngrok"); a lone cancellation means the tunnel was closed.
func Explain(err error) (code, messageKey string) {
	if err == nil {
		return "", ""
	}
	code = errCode(err)
	if code != "" {
		if key, ok := codeKeys[code]; ok {
			return code, key
		}
		return code, KeyUnknown
	}
	switch {
	case errors.Is(err, ErrNoAuthtoken):
		return "", KeyNoAuthtoken
	case errors.Is(err, ErrBadURL):
		return "", KeyBadURL
	case errors.Is(err, ErrClosed):
		return "", KeyClosed
	case isTLSError(err):
		return "", KeyTLSIntercepted
	case isNetError(err), errors.Is(err, ErrNoAnswer), errors.Is(err, context.DeadlineExceeded):
		return "", KeyUnreachable
	case errors.Is(err, context.Canceled):
		return "", KeyClosed
	}
	return "", explainUnknownDefault
}

// errCode finds an ngrok error code in err: from Code() of an ngrok.Error in
// the chain, else from the text. Codes are normalised to "ERR_NGROK_<n>".
func errCode(err error) string {
	var nerr ngrok.Error
	if errors.As(err, &nerr) {
		if c := normaliseCode(nerr.Code()); c != "" {
			return c
		}
	}
	// Errors in ngrok-go events are not wrapped into ngrok.Error; its
	// internal error types expose ErrorCode() instead.
	var lerr interface{ ErrorCode() string }
	if errors.As(err, &lerr) {
		if c := normaliseCode(lerr.ErrorCode()); c != "" {
			return c
		}
	}
	return normaliseCode(err.Error())
}

func normaliseCode(s string) string {
	if m := codeRE.FindStringSubmatch(s); m != nil {
		return codePrefix + m[1]
	}
	if s != "" && strings.Trim(s, "0123456789") == "" { // a bare number
		return codePrefix + s
	}
	return ""
}

func isTLSError(err error) bool {
	var (
		unknownAuth x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
		verify      *tls.CertificateVerificationError
		record      tls.RecordHeaderError
	)
	return errors.As(err, &unknownAuth) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verify) || errors.As(err, &record)
}

func isNetError(err error) bool {
	var (
		op  *net.OpError
		dns *net.DNSError
	)
	if errors.As(err, &op) || errors.As(err, &dns) {
		return true
	}
	// ngrok-go's session dial error type is unexported; match its text.
	return strings.Contains(err.Error(), "failed to dial ngrok server")
}

// Message renders a status's plain message in lang ("" when it has none).
// Templates may use .Code, .URL, .Detail, .NextRetry and .DocsURL.
func Message(lang string, s Status) string {
	if s.MessageKey == "" {
		return ""
	}
	return i18n.T(lang, s.MessageKey, messageData(s))
}

// MessageBoth renders a status's message in Russian and English, for logs and
// command-line output.
func MessageBoth(s Status) string {
	if s.MessageKey == "" {
		return ""
	}
	return i18n.Both(s.MessageKey, messageData(s))
}

func messageData(s Status) map[string]any {
	d := map[string]any{"Code": s.Code, "URL": s.URL, "Detail": s.Detail, "DocsURL": docsURL}
	if s.Code != "" {
		d["DocsURL"] = docsURL + strings.ToLower(s.Code)
	}
	if !s.NextRetry.IsZero() {
		d["NextRetry"] = s.NextRetry.Format(time.TimeOnly)
	}
	return d
}
