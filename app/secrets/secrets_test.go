package secrets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) Env {
	return Env{Lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

func TestEnvAndChain(t *testing.T) {
	ctx := context.Background()
	env := envOf(map[string]string{"MANGOTQM_TQM_KEY": "from-env"})
	mem := &memStore{m: map[Name]string{TQMKey: "from-keychain", NgrokAuthtoken: "tok-keychain"}}
	chain := Chain{env, mem}
	tests := []struct {
		name    string
		store   Store
		secret  Name
		want    string
		wantErr error
	}{
		{"env has it", env, TQMKey, "from-env", nil},
		{"env lacks it", env, MangoCTToken, "", ErrNotFound},
		{"chain prefers env", chain, TQMKey, "from-env", nil},
		{"chain falls back", chain, NgrokAuthtoken, "tok-keychain", nil},
		{"chain: nowhere", chain, MangoVPBXSalt, "", ErrNotFound},
		{"chain: keychain broken wins over not found", Chain{env, brokenStore{}}, MangoVPBXSalt, "", ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.store.Get(ctx, tt.secret)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if err := env.Set(ctx, TQMKey, "x"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Env.Set = %v, want read-only error", err)
	}
	if err := chain.Set(ctx, MangoCTToken, "ct"); err != nil {
		t.Fatalf("Chain.Set: %v", err)
	}
	if mem.m[MangoCTToken] != "ct" {
		t.Error("Chain.Set did not reach the writable store")
	}
}

func TestEnsureWebhookSecret(t *testing.T) {
	ctx := context.Background()
	mem := &memStore{m: map[Name]string{}}
	s1, err := EnsureWebhookSecret(ctx, mem)
	if err != nil || len(s1) < MinWebhookSecret {
		t.Fatalf("first: %q %v", s1, err)
	}
	s2, err := EnsureWebhookSecret(ctx, mem)
	if err != nil || s2 != s1 {
		t.Fatalf("second call changed the secret: %q vs %q (%v)", s2, s1, err)
	}
	if _, err := EnsureWebhookSecret(ctx, Chain{envOf(nil)}); err == nil {
		t.Fatal("a secret that cannot be kept must be an error, not a throwaway value")
	}
	if _, err := EnsureWebhookSecret(ctx, envOf(map[string]string{"MANGOTQM_WEBHOOK_SECRET": "short"})); err == nil {
		t.Fatal("a short secret was accepted")
	}
}

func TestRedactHandler(t *testing.T) {
	r := NewRedactor("tqm-secret-key", "abc") // "abc" is too short to redact
	r.Add("ngrok-token-123")
	var buf bytes.Buffer
	log := slog.New(RedactHandler(slog.NewJSONHandler(&buf, nil), r))
	log.With("token", "ngrok-token-123").Info("sending with tqm-secret-key",
		"err", errors.New("401 for key tqm-secret-key"),
		slog.Group("req", "auth", "Basic tqm-secret-key", "n", 3),
		"bytes", []byte("ngrok-token-123"), "plain", "abc")
	out := buf.String()
	for _, secret := range []string{"tqm-secret-key", "ngrok-token-123"} {
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q leaked: %s", secret, out)
		}
	}
	if strings.Count(out, Redacted) != 5 {
		t.Errorf("want 5 redactions in %s", out)
	}
	if !strings.Contains(out, `"plain":"abc"`) || !strings.Contains(out, `"n":3`) {
		t.Errorf("non-secret values changed: %s", out)
	}
}

type memStore struct{ m map[Name]string }

func (s *memStore) Get(_ context.Context, n Name) (string, error) {
	if v, ok := s.m[n]; ok {
		return v, nil
	}
	return "", ErrNotFound
}
func (s *memStore) Set(_ context.Context, n Name, v string) error { s.m[n] = v; return nil }
func (s *memStore) Delete(_ context.Context, n Name) error        { delete(s.m, n); return nil }

type brokenStore struct{}

func (brokenStore) Get(context.Context, Name) (string, error) { return "", ErrUnavailable }
func (brokenStore) Set(context.Context, Name, string) error   { return ErrUnavailable }
func (brokenStore) Delete(context.Context, Name) error        { return ErrUnavailable }

type blockingBackend struct{ release chan struct{} }

func (b blockingBackend) Get(string, string) (string, error) { <-b.release; return "", nil }
func (b blockingBackend) Set(string, string, string) error   { <-b.release; return nil }
func (b blockingBackend) Delete(string, string) error        { <-b.release; return nil }

func TestKeychainTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	k := &Keychain{Backend: blockingBackend{release}, Timeout: 50 * time.Millisecond}
	start := time.Now()
	_, err := k.Get(context.Background(), TQMKey)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("blocked keychain: %v, want ErrUnavailable", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the timeout did not bound the call")
	}
}

// TestRealKeychain talks to a real Secret Service. make test runs it inside
// dbus-run-session with an unlocked gnome-keyring and MANGOTQM_KEYRING_TEST=1;
// then an unreachable keychain is a failure, not a skip.
func TestRealKeychain(t *testing.T) {
	if os.Getenv("MANGOTQM_KEYRING_TEST") != "1" {
		t.Skip("set MANGOTQM_KEYRING_TEST=1 inside a D-Bus session with an unlocked keyring (make test does)")
	}
	ctx := context.Background()
	k := &Keychain{Service: "mangotqm-test-" + randHex(t, 4), Timeout: 10 * time.Second}
	if err := k.Available(ctx); err != nil {
		t.Fatalf("keychain unavailable: %v", err)
	}
	values := map[Name]string{}
	for _, n := range All {
		values[n] = "v-" + randHex(t, 12)
		if err := k.Set(ctx, n, values[n]); err != nil {
			t.Fatalf("set %s: %v", n, err)
		}
	}
	for _, n := range All {
		got, err := k.Get(ctx, n)
		if err != nil || got != values[n] {
			t.Fatalf("get %s = %q, %v", n, got, err)
		}
		if err := k.Delete(ctx, n); err != nil {
			t.Fatalf("delete %s: %v", n, err)
		}
		if _, err := k.Get(ctx, n); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete %s: %v, want ErrNotFound", n, err)
		}
	}
	// The production keychain type, through the chain serve uses.
	chain := Chain{envOf(nil), k}
	sec, err := EnsureWebhookSecret(ctx, chain)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := k.Get(ctx, WebhookSecret); got != sec {
		t.Fatal("generated webhook secret not kept in the keychain")
	}
	_ = k.Delete(ctx, WebhookSecret)
}

func randHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
