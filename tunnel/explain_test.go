package tunnel

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"mangotqm/assets/i18n"
)

// codeErr is a synthetic ngrok.Error.
type codeErr struct{ code, msg string }

func (e codeErr) Error() string { return e.msg }
func (e codeErr) Code() string  { return e.code }

// legacyErr mimics ngrok-go's internal errors seen in events (ErrorCode()).
type legacyErr struct{ code string }

func (e legacyErr) Error() string     { return "authentication failed: bad token" }
func (e legacyErr) ErrorCode() string { return e.code }

func dialErr() error {
	return &net.OpError{Op: "dial", Net: "tcp",
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantKey  string
	}{
		{"nil", nil, "", ""},
		{"105 malformed token", codeErr{"ERR_NGROK_105", "authtoken malformed"}, "ERR_NGROK_105", KeyBadAuthtoken},
		{"106 v1 token", codeErr{"ERR_NGROK_106", "v1 token"}, "ERR_NGROK_106", KeyOldAuthtoken},
		{"107 invalid token", codeErr{"ERR_NGROK_107", "invalid"}, "ERR_NGROK_107", KeyBadAuthtoken},
		{"108 session limit", codeErr{"ERR_NGROK_108", "limited to 1 session"}, "ERR_NGROK_108", KeySessionLimit},
		{"313 domain not bound", codeErr{"ERR_NGROK_313", "not bound"}, "ERR_NGROK_313", KeyDomainNotYours},
		{"320 domain reserved elsewhere", codeErr{"ERR_NGROK_320", "reserved"}, "ERR_NGROK_320", KeyDomainNotYours},
		{"334 endpoint online", codeErr{"ERR_NGROK_334", "already online"}, "ERR_NGROK_334", KeyEndpointInUse},
		{"4018 no credential", codeErr{"ERR_NGROK_4018", "verified account"}, "ERR_NGROK_4018", KeyNoCredential},
		{"bare number code", codeErr{"107", "x"}, "ERR_NGROK_107", KeyBadAuthtoken},
		// As ngrok-go v2 returns them: an ngrok.Error whose text is
		// "authentication failed: <server message>" plus the code and docs link.
		{"9040 address refused (ngrok.Error)", codeErr{"ERR_NGROK_9040", "authentication failed: We do not allow agents to connect to ngrok from your IP address (2a00:1fa0:4242::1).\n\nERR_NGROK_9040\n\nhttps://ngrok.com/docs/errors/err_ngrok_9040"}, "ERR_NGROK_9040", KeyBlockedIP},
		{"9040 in the text of a joined start error", errors.Join(dialErr(), errors.New("failed to connect: authentication failed: We do not allow agents to connect to ngrok from your IP address (2a00:1fa0::1).\n\nERR_NGROK_9040"), context.DeadlineExceeded), "ERR_NGROK_9040", KeyBlockedIP},
		{"9040 in an event error", fmt.Errorf("session: %w", legacyErr{"ERR_NGROK_9040"}), "ERR_NGROK_9040", KeyBlockedIP},
		{"727 from the self-probe's answer header", errors.New("probe: HTTP 429 (ERR_NGROK_727)"), "ERR_NGROK_727", KeyQuota},
		{"727 ngrok.Error", codeErr{"ERR_NGROK_727", "The account has hit its monthly limit of HTTP requests.\n\nERR_NGROK_727"}, "ERR_NGROK_727", KeyQuota},
		{"22001 location refused", errors.New("ngrok.com: access denied from your location\n\nhttps://ngrok.com/docs/errors/err_ngrok_22001"), "ERR_NGROK_22001", KeyLocationBlocked},
		{"unknown code", codeErr{"ERR_NGROK_9037", "bad url"}, "ERR_NGROK_9037", KeyUnknown},
		{"wrapped", fmt.Errorf("failed to connect: %w", codeErr{"ERR_NGROK_108", "x"}), "ERR_NGROK_108", KeySessionLimit},
		{"joined with dial errors and deadline (Listen at ctx end)",
			errors.Join(dialErr(), fmt.Errorf("auth: %w", codeErr{"ERR_NGROK_107", "x"}), context.DeadlineExceeded),
			"ERR_NGROK_107", KeyBadAuthtoken},
		{"code only in text", errors.New("authentication failed: Your account is limited\n\nERR_NGROK_108"), "ERR_NGROK_108", KeySessionLimit},
		{"lower-case docs link in text", errors.New("failed\n\nhttps://ngrok.com/docs/errors/err_ngrok_334"), "ERR_NGROK_334", KeyEndpointInUse},
		{"code in ErrorCode() of an event error", fmt.Errorf("x: %w", legacyErr{"ERR_NGROK_105"}), "ERR_NGROK_105", KeyBadAuthtoken},
		{"empty Code() falls back to text", codeErr{"", "bind failed ERR_NGROK_320"}, "ERR_NGROK_320", KeyDomainNotYours},
		{"no authtoken", fmt.Errorf("start: %w", ErrNoAuthtoken), "", KeyNoAuthtoken},
		{"bad url", fmt.Errorf("start: %w", ErrBadURL), "", KeyBadURL},
		{"closed", ErrClosed, "", KeyClosed},
		{"dial error", fmt.Errorf("failed to dial ngrok server: %w", dialErr()), "", KeyUnreachable},
		{"dns error", &net.DNSError{Err: "no such host", Name: "connect.ngrok-agent.com"}, "", KeyUnreachable},
		{"dial text only", errors.New(`failed to dial ngrok server with address "x:443": refused`), "", KeyUnreachable},
		{"deadline without code", errors.Join(context.DeadlineExceeded, errors.New("x")), "", KeyUnreachable},
		{"no answer in time", fmt.Errorf("%w (20s)", ErrNoAnswer), "", KeyUnreachable},
		{"certificate intercepted", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), "", KeyTLSIntercepted},
		{"cancelled", context.Canceled, "", KeyClosed},
		{"other", errors.New("something odd"), "", KeyUnknown},
	}
	ru, en := i18n.Table(i18n.RU), i18n.Table(i18n.EN)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, key := Explain(tt.err)
			if code != tt.wantCode || key != tt.wantKey {
				t.Fatalf("Explain = (%q, %q), want (%q, %q)", code, key, tt.wantCode, tt.wantKey)
			}
			if key == "" {
				return
			}
			if _, ok := ru[key]; !ok {
				t.Errorf("key %q missing in ru", key)
			}
			if _, ok := en[key]; !ok {
				t.Errorf("key %q missing in en", key)
			}
			for _, lang := range []string{i18n.RU, i18n.EN} {
				msg := Message(lang, Status{MessageKey: key, Code: code})
				if msg == key || strings.Contains(msg, "{{") || strings.Contains(msg, "<no value>") {
					t.Errorf("%s message for %q not rendered: %q", lang, key, msg)
				}
				if code != "" && !strings.Contains(msg, code) {
					t.Errorf("%s message for %q does not name the code %s: %q", lang, key, code, msg)
				}
			}
		})
	}
}

func TestUnknownCodeMessageLinksTheDocs(t *testing.T) {
	msg := Message(i18n.EN, Status{MessageKey: KeyUnknown, Code: "ERR_NGROK_9037"})
	if !strings.Contains(msg, "https://ngrok.com/docs/errors/err_ngrok_9037") {
		t.Fatalf("message %q lacks the docs link", msg)
	}
	if got := MessageBoth(Status{MessageKey: KeyClosed}); !strings.Contains(got, " / ") {
		t.Fatalf("MessageBoth = %q, want both languages", got)
	}
}

// The refusals ngrok will not get over from this office name the next
// step in both languages and offer another road; the others do not.
func TestRefusalsOfferAnotherRoad(t *testing.T) {
	for _, tc := range []struct {
		code      string
		wantOther bool
		ruStep    string
		enStep    string
	}{
		{"ERR_NGROK_9040", true, "«Без входящих подключений", "No incoming connections"},
		{"ERR_NGROK_727", true, "следующего месяца", "next month"},
		{"ERR_NGROK_22001", true, "«Свой адрес»", "Own address"},
		{"ERR_NGROK_108", false, "", ""},
		{"ERR_NGROK_107", false, "", ""},
	} {
		t.Run(tc.code, func(t *testing.T) {
			code, key := Explain(codeErr{tc.code, "x"})
			if got := SuggestsOtherRoad(key); got != tc.wantOther {
				t.Fatalf("SuggestsOtherRoad(%q) = %v, want %v", key, got, tc.wantOther)
			}
			if !needsAdmin[key] {
				t.Errorf("%s: Start keeps waiting for a failure retrying will not fix", tc.code)
			}
			if !tc.wantOther {
				return
			}
			s := Status{MessageKey: key, Code: code}
			if ru := Message(i18n.RU, s); !strings.Contains(ru, tc.ruStep) || !strings.Contains(ru, "err_ngrok_") {
				t.Errorf("ru message lacks the next step %q or the docs link: %q", tc.ruStep, ru)
			}
			if en := Message(i18n.EN, s); !strings.Contains(en, tc.enStep) {
				t.Errorf("en message lacks the next step %q: %q", tc.enStep, en)
			}
		})
	}
}
