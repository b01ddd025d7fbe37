// Package alertstest has the fakes the alert tests talk to: a real SMTP
// server in-process (github.com/emersion/go-smtp) with plain, STARTTLS and
// implicit-TLS sessions and PLAIN authentication, and a strict fake of
// Telegram's Bot API. Tests only.
package alertstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	Data string // the whole message, headers included
	User string // who authenticated ("" = nobody)
	TLS  bool   // the session was encrypted
}

// SMTP is a real SMTP server on 127.0.0.1.
type SMTP struct {
	// User and Password, when User is set, are required (AUTH PLAIN).
	User, Password string
	// Mode: "none" (plain text, STARTTLS not offered), "starttls"
	// (offered, required before AUTH) or "tls" (implicit TLS).
	Mode string
	// Cert is the server's certificate; Roots trust it.
	Cert  tls.Certificate
	Roots *x509.CertPool

	mu    sync.Mutex
	mails []Mail
	srv   *smtp.Server
	addr  string
	cond  chan struct{}
}

// NewSMTP makes a server (not started) with a fresh self-signed
// certificate for 127.0.0.1 and localhost.
func NewSMTP(mode, user, password string) (*SMTP, error) {
	cert, roots, err := SelfSigned()
	if err != nil {
		return nil, err
	}
	return &SMTP{Mode: mode, User: user, Password: password, Cert: cert, Roots: roots, cond: make(chan struct{})}, nil
}

// Start listens on addr ("127.0.0.1:0" for any port) and serves.
func (s *SMTP) Start(addr string) error {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, tls: isTLS || s.Mode == "tls", conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = s.Mode == "none"
	if s.Mode != "none" {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{s.Cert}}
	}
	var ln net.Listener
	var err error
	if s.Mode == "tls" {
		ln, err = tls.Listen("tcp", addr, srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.srv, s.addr = srv, ln.Addr().String()
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// Addr is "127.0.0.1:port".
func (s *SMTP) Addr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.addr }

// Host and Port split Addr.
func (s *SMTP) Host() string { h, _, _ := net.SplitHostPort(s.Addr()); return h }

// Port is Addr's port.
func (s *SMTP) Port() string { _, p, _ := net.SplitHostPort(s.Addr()); return p }

// Stop closes the server (Start again brings it back on the same address).
func (s *SMTP) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Mails returns the accepted messages.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Changed is closed at the next accepted message (wait on it, then re-read
// Mails).
func (s *SMTP) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cond
}

func (s *SMTP) add(m Mail) {
	s.mu.Lock()
	s.mails = append(s.mails, m)
	close(s.cond)
	s.cond = make(chan struct{})
	s.mu.Unlock()
}

type session struct {
	s    *SMTP
	conn *smtp.Conn
	tls  bool
	user string
	from string
	to   []string
}

func (x *session) encrypted() bool {
	if x.tls {
		return true
	}
	_, ok := x.conn.TLSConnectionState()
	return ok
}

func (x *session) AuthMechanisms() []string {
	if x.s.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.User || password != x.s.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		x.user = username
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.User != "" && x.user == "" {
		return smtp.ErrAuthRequired
	}
	if x.s.Mode == "starttls" && !x.encrypted() {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !strings.Contains(to, "@") {
		return &smtp.SMTPError{Code: 553, Message: "bad recipient"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.add(Mail{From: x.from, To: x.to, Data: string(b), User: x.user, TLS: x.encrypted()})
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// SelfSigned makes a certificate for 127.0.0.1 and localhost and a pool
// that trusts it.
func SelfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "mangotqm test SMTP"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// TelegramMessage is one sendMessage the fake Bot API accepted.
type TelegramMessage struct {
	ChatID string
	Text   string
}

// Telegram is a strict fake of the Bot API's sendMessage: the token must be
// in the path (/bot<token>/sendMessage), the body JSON or a form with a
// known chat_id and a non-empty text.
type Telegram struct {
	Token string
	Chat  string

	mu     sync.Mutex
	limit  int // the next requests answered 429 with retry_after
	msgs   []TelegramMessage
	bad    []string // requests refused, and why
	cond   chan struct{}
	server *httptest.Server
}

// NewTelegram starts the fake.
func NewTelegram(token, chat string) *Telegram {
	t := &Telegram{Token: token, Chat: chat, cond: make(chan struct{})}
	t.server = httptest.NewServer(http.HandlerFunc(t.serve))
	return t
}

// URL is the base URL (give it as --telegram-url).
func (t *Telegram) URL() string { return t.server.URL }

// Close stops the fake.
func (t *Telegram) Close() { t.server.Close() }

// RateLimitNext makes the next n requests get 429 "Too Many Requests:
// retry after 90".
func (t *Telegram) RateLimitNext(n int) { t.mu.Lock(); t.limit = n; t.mu.Unlock() }

// Messages returns the accepted messages.
func (t *Telegram) Messages() []TelegramMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]TelegramMessage(nil), t.msgs...)
}

// Refused lists the requests refused and why.
func (t *Telegram) Refused() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.bad...)
}

// Changed is closed at the next accepted message.
func (t *Telegram) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cond
}

func (t *Telegram) answer(w http.ResponseWriter, status int, desc string) {
	t.mu.Lock()
	t.bad = append(t.bad, desc)
	t.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": status, "description": desc})
}

func (t *Telegram) serve(w http.ResponseWriter, r *http.Request) {
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !strings.HasPrefix(r.URL.Path, "/bot") || !ok {
		t.answer(w, http.StatusNotFound, "Not Found")
		return
	}
	if token != t.Token {
		t.answer(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	t.mu.Lock()
	limited := t.limit > 0
	if limited {
		t.limit--
		t.bad = append(t.bad, "429")
	}
	t.mu.Unlock()
	if limited {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 429,
			"description": "Too Many Requests: retry after 90", "parameters": map[string]any{"retry_after": 90}})
		return
	}
	if method != "sendMessage" || r.Method != http.MethodPost {
		t.answer(w, http.StatusNotFound, "Not Found: method not found")
		return
	}
	var chat, text string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.answer(w, http.StatusBadRequest, "Bad Request: invalid JSON")
			return
		}
		switch v := body["chat_id"].(type) {
		case string:
			chat = v
		case float64:
			chat = strings.TrimSuffix(big.NewFloat(v).Text('f', 0), ".")
		}
		text, _ = body["text"].(string)
	} else {
		if err := r.ParseForm(); err != nil {
			t.answer(w, http.StatusBadRequest, "Bad Request: bad form")
			return
		}
		chat, text = r.PostForm.Get("chat_id"), r.PostForm.Get("text")
	}
	switch {
	case chat == "":
		t.answer(w, http.StatusBadRequest, "Bad Request: chat_id is empty")
		return
	case chat != t.Chat:
		t.answer(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	case strings.TrimSpace(text) == "":
		t.answer(w, http.StatusBadRequest, "Bad Request: message text is empty")
		return
	case len([]rune(text)) > 4096:
		t.answer(w, http.StatusBadRequest, "Bad Request: message is too long")
		return
	}
	t.mu.Lock()
	t.msgs = append(t.msgs, TelegramMessage{ChatID: chat, Text: text})
	close(t.cond)
	t.cond = make(chan struct{})
	t.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{"message_id": 1, "text": text}})
}
