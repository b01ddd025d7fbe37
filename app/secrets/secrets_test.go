package secrets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

func envOf(m map[string]string) Env {
	return Env{Lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

func TestEnvVarCoversEveryName(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range All {
		v := EnvVar(n)
		if !strings.HasPrefix(v, "MANGOTQM_") || seen[v] {
			t.Errorf("EnvVar(%s) = %q: missing, badly named or duplicated", n, v)
		}
		seen[v] = true
	}
}

func TestEnv(t *testing.T) {
	ctx := context.Background()
	env := envOf(map[string]string{"MANGOTQM_TQM_KEY": "from-env-123", "MANGOTQM_NGROK_AUTHTOKEN": ""})
	tests := []struct {
		name    string
		secret  Name
		want    string
		wantErr error
	}{
		{"set", TQMKey, "from-env-123", nil},
		{"unset", MangoCTToken, "", ErrNotFound},
		{"set but empty counts as unset", NgrokAuthtoken, "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := env.Get(ctx, tt.secret)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Get = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), EnvVar(tt.secret)) {
				t.Errorf("error %q does not name the variable", err)
			}
		})
	}
	for name, err := range map[string]error{
		"Set":    env.Set(ctx, TQMKey, "new-value-456"),
		"Delete": env.Delete(ctx, TQMKey),
	} {
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("Env.%s = %v, want a read-only ErrUnavailable", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "new-value-456") {
			t.Errorf("Env.%s error shows the value: %v", name, err)
		}
	}
}

func TestChain(t *testing.T) {
	ctx := context.Background()
	env := envOf(map[string]string{"MANGOTQM_TQM_KEY": "from-env"})
	newMem := func() *Memory {
		return NewMemory(map[Name]string{TQMKey: "from-keychain", NgrokAuthtoken: "tok-keychain"})
	}
	t.Run("get", func(t *testing.T) {
		tests := []struct {
			name    string
			chain   Chain
			secret  Name
			want    string
			wantErr error
		}{
			{"env overrides keychain", Chain{env, newMem()}, TQMKey, "from-env", nil},
			{"falls back to keychain", Chain{env, newMem()}, NgrokAuthtoken, "tok-keychain", nil},
			{"nowhere", Chain{env, newMem()}, MangoVPBXSalt, "", ErrNotFound},
			{"broken keychain beats not found", Chain{env, brokenStore{}}, MangoVPBXSalt, "", ErrUnavailable},
			{"broken keychain does not hide env", Chain{brokenStore{}, env}, TQMKey, "from-env", nil},
			{"empty chain", Chain{}, TQMKey, "", ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := tt.chain.Get(ctx, tt.secret)
				if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Fatalf("Get = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
				}
			})
		}
	})
	t.Run("set goes to the first writable store", func(t *testing.T) {
		mem := newMem()
		if err := (Chain{env, mem}).Set(ctx, MangoCTToken, "ct-token"); err != nil {
			t.Fatal(err)
		}
		if mem.m[MangoCTToken] != "ct-token" {
			t.Fatal("the value did not reach the writable store")
		}
	})
	t.Run("set with nothing writable", func(t *testing.T) {
		if err := (Chain{env, envOf(nil)}).Set(ctx, MangoCTToken, "x"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Set = %v, want ErrUnavailable", err)
		}
		if err := (Chain{}).Set(ctx, MangoCTToken, "x"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("empty chain Set = %v, want ErrUnavailable", err)
		}
	})
	t.Run("delete removes from the writable store", func(t *testing.T) {
		mem := newMem()
		if err := (Chain{env, mem}).Delete(ctx, NgrokAuthtoken); err != nil {
			t.Fatal(err)
		}
		if _, ok := mem.m[NgrokAuthtoken]; ok {
			t.Fatal("still stored")
		}
		if err := (Chain{env}).Delete(ctx, NgrokAuthtoken); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("read-only Delete = %v", err)
		}
	})
}

func TestEnsureWebhookSecret(t *testing.T) {
	ctx := context.Background()
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)

	mem := NewMemory(map[Name]string{})
	s1, err := EnsureWebhookSecret(ctx, mem)
	if err != nil || !hex32.MatchString(s1) {
		t.Fatalf("first: %q %v, want 32 hex characters", s1, err)
	}
	if mem.m[WebhookSecret] != s1 {
		t.Fatal("the new secret was not stored")
	}
	s2, err := EnsureWebhookSecret(ctx, mem)
	if err != nil || s2 != s1 {
		t.Fatalf("second call changed the secret: %q vs %q (%v)", s2, s1, err)
	}
	other, err := EnsureWebhookSecret(ctx, NewMemory(map[Name]string{}))
	if err != nil || other == s1 {
		t.Fatalf("two fresh stores got %q and %q (%v): not random", s1, other, err)
	}

	long := strings.Repeat("a", MinWebhookSecret)
	tests := []struct {
		name    string
		store   Store
		want    string
		wantErr error // nil: any error
	}{
		{"from the environment", envOf(map[string]string{"MANGOTQM_WEBHOOK_SECRET": long}), long, nil},
		{"cannot be kept", Chain{envOf(nil)}, "", ErrUnavailable},
		{"store broken", brokenStore{}, "", ErrUnavailable},
		{"too short", envOf(map[string]string{"MANGOTQM_WEBHOOK_SECRET": "x9y8z7"}), "", nil},
		{"spaces and a slash", envOf(map[string]string{"MANGOTQM_WEBHOOK_SECRET": "x9y8z7 секрет с пробелами/и слэшем и ещё"}), "", nil},
		{"32 Cyrillic letters are 64 bytes, not 32 URL-safe characters", envOf(map[string]string{"MANGOTQM_WEBHOOK_SECRET": "x9y8z7" + strings.Repeat("ж", 30)}), "", nil},
		{"URL-safe", envOf(map[string]string{"MANGOTQM_WEBHOOK_SECRET": long[:30] + "-_"}), long[:30] + "-_", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EnsureWebhookSecret(ctx, tt.store)
			if got != tt.want {
				t.Fatalf("got %q, want %q (%v)", got, tt.want, err)
			}
			if tt.want == "" && (err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr))) {
				t.Fatalf("err = %v, want %v: a secret that cannot be kept must be an error, not a throwaway value", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "x9y8z7") {
				t.Fatalf("error shows the value: %v", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	r := NewRedactor("abc", "secret-one", "secret-one-longer", "")
	tests := []struct{ in, want string }{
		{"nothing here", "nothing here"},
		{"key secret-one!", "key [redacted]!"},
		{"twice secret-one secret-one", "twice [redacted] [redacted]"},
		{"long secret-one-longer", "long [redacted]"}, // not "[redacted]-longer"
		{"short abc stays", "short abc stays"},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var nilR *Redactor
	if nilR.Redact("x secret-one") != "x secret-one" {
		t.Error("a nil Redactor must pass text through")
	}
}

func TestRedactorConcurrent(t *testing.T) {
	r := NewRedactor()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				r.Add(fmt.Sprintf("secret-%d-%d", i, j))
				_ = r.Redact("text with secret-0-0")
			}
		}(i)
	}
	wg.Wait()
	if got := r.Redact("secret-7-199"); got != Redacted {
		t.Fatalf("Redact = %q", got)
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

type logValuer struct{ token string }

func (v logValuer) LogValue() slog.Value { return slog.GroupValue(slog.String("token", v.token)) }

func TestRedactHandler(t *testing.T) {
	const key, tok = "tqm-secret-key", "ngrok-token-123"
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want []string // must appear in the output
	}{
		{"message", func(l *slog.Logger) { l.Info("sending with " + key) }, []string{`"msg":"sending with [redacted]"`}},
		{"string attr", func(l *slog.Logger) { l.Info("m", "auth", "Basic "+key) }, []string{`"auth":"Basic [redacted]"`}},
		{"error attr", func(l *slog.Logger) { l.Info("m", "err", fmt.Errorf("wrapped: %w", errors.New("401 for "+key))) },
			[]string{`"err":"wrapped: 401 for [redacted]"`}},
		{"nested groups", func(l *slog.Logger) {
			l.Info("m", slog.Group("req", slog.Group("hdr", "auth", key), "n", 3))
		}, []string{`"req":{"hdr":{"auth":"[redacted]"},"n":3}`}},
		{"WithAttrs", func(l *slog.Logger) { l.With("token", tok).Info("m") }, []string{`"token":"[redacted]"`}},
		{"WithGroup", func(l *slog.Logger) { l.WithGroup("g").Info("m", "token", tok) }, []string{`"g":{"token":"[redacted]"}`}},
		{"stringer", func(l *slog.Logger) { l.Info("m", "s", stringer{"x" + key}) }, []string{`"s":"x[redacted]"`}},
		{"bytes", func(l *slog.Logger) { l.Info("m", "b", []byte(tok)) }, []string{`"b":"[redacted]"`}},
		{"struct", func(l *slog.Logger) { l.Info("m", "v", struct{ Key string }{key}) }, []string{`"v":"{Key:[redacted]}"`}},
		{"LogValuer", func(l *slog.Logger) { l.Info("m", "lv", logValuer{tok}) }, []string{`"lv":{"token":"[redacted]"}`}},
		{"other values unchanged", func(l *slog.Logger) {
			l.Info("plain", "plain", "abc", "n", 3, "ok", true, "d", time.Second, "v", struct{ A int }{1}, "e", errors.New("boom"))
		}, []string{`"plain":"abc"`, `"n":3`, `"ok":true`, `"d":1000000000`, `"v":{"A":1}`, `"e":"boom"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedactor(key, "abc") // "abc" is too short to redact
			r.Add(tok)
			var buf bytes.Buffer
			tt.log(slog.New(RedactHandler(slog.NewJSONHandler(&buf, nil), r)))
			out := buf.String()
			for _, secret := range []string{key, tok} {
				if strings.Contains(out, secret) {
					t.Fatalf("secret %q leaked: %s", secret, out)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %s:\n%s", w, out)
				}
			}
		})
	}
}

type brokenStore struct{}

func (brokenStore) Get(context.Context, Name) (string, error) { return "", ErrUnavailable }
func (brokenStore) Set(context.Context, Name, string) error   { return ErrUnavailable }
func (brokenStore) Delete(context.Context, Name) error        { return ErrUnavailable }

// funcBackend is a Backend made of functions.
type funcBackend struct {
	get   func(service, user string) (string, error)
	set   func(service, user, secret string) error
	del   func(service, user string) error
	calls int
	mu    sync.Mutex
}

func (b *funcBackend) count() { b.mu.Lock(); b.calls++; b.mu.Unlock() }
func (b *funcBackend) Get(s, u string) (string, error) {
	b.count()
	return b.get(s, u)
}
func (b *funcBackend) Set(s, u, v string) error { b.count(); return b.set(s, u, v) }
func (b *funcBackend) Delete(s, u string) error { b.count(); return b.del(s, u) }

func failing(err error) *funcBackend {
	return &funcBackend{
		get: func(string, string) (string, error) { return "", err },
		set: func(string, string, string) error { return err },
		del: func(string, string) error { return err },
	}
}

func blocking(release <-chan struct{}) *funcBackend {
	return &funcBackend{
		get: func(string, string) (string, error) { <-release; return "late", nil },
		set: func(string, string, string) error { <-release; return nil },
		del: func(string, string) error { <-release; return nil },
	}
}

func TestKeychainErrors(t *testing.T) {
	ctx := context.Background()
	notFound := fmt.Errorf("secret not found in keyring") // go-keyring's text, but not its value
	locked := errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")
	tests := []struct {
		name    string
		backend *funcBackend
		op      func(*Keychain) error
		wantErr error
	}{
		{"get missing", failing(keyring.ErrNotFound), func(k *Keychain) error { _, err := k.Get(ctx, TQMKey); return err }, ErrNotFound},
		{"get locked", failing(locked), func(k *Keychain) error { _, err := k.Get(ctx, TQMKey); return err }, ErrUnavailable},
		{"plain not-found text is not ErrNotFound", failing(notFound), func(k *Keychain) error { _, err := k.Get(ctx, TQMKey); return err }, ErrUnavailable},
		{"set locked", failing(locked), func(k *Keychain) error { return k.Set(ctx, TQMKey, "value-never-shown") }, ErrUnavailable},
		{"delete missing is fine", failing(keyring.ErrNotFound), func(k *Keychain) error { return k.Delete(ctx, TQMKey) }, nil},
		{"delete locked", failing(locked), func(k *Keychain) error { return k.Delete(ctx, TQMKey) }, ErrUnavailable},
		{"available with no probe item", failing(keyring.ErrNotFound), func(k *Keychain) error { return k.Available(ctx) }, nil},
		{"available locked", failing(locked), func(k *Keychain) error { return k.Available(ctx) }, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(&Keychain{Backend: tt.backend, Timeout: time.Second})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "value-never-shown") {
				t.Fatalf("error shows the value: %v", err)
			}
			if tt.backend.calls != 1 {
				t.Fatalf("backend called %d times", tt.backend.calls)
			}
		})
	}
}

func TestKeychainServiceName(t *testing.T) {
	var gotService, gotUser string
	b := &funcBackend{get: func(s, u string) (string, error) { gotService, gotUser = s, u; return "v", nil }}
	if _, err := (&Keychain{Backend: b}).Get(context.Background(), NgrokAuthtoken); err != nil {
		t.Fatal(err)
	}
	if gotService != "mangotqm" || gotUser != "ngrok_authtoken" {
		t.Fatalf("default service/user = %q/%q", gotService, gotUser)
	}
	if _, err := (&Keychain{Backend: b, Service: "mangotqm-test"}).Get(context.Background(), TQMKey); err != nil || gotService != "mangotqm-test" {
		t.Fatalf("service = %q (%v)", gotService, err)
	}
}

func TestKeychainTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	k := &Keychain{Backend: blocking(release), Timeout: 50 * time.Millisecond}
	ops := map[string]func() error{
		"get":       func() error { _, err := k.Get(context.Background(), TQMKey); return err },
		"set":       func() error { return k.Set(context.Background(), TQMKey, "v") },
		"delete":    func() error { return k.Delete(context.Background(), TQMKey) },
		"available": func() error { return k.Available(context.Background()) },
	}
	for name, op := range ops {
		start := time.Now()
		err := op()
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s on a blocked keychain: %v, want ErrUnavailable", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: the timeout did not bound the call (%v)", name, d)
		}
	}
	// The caller's context bounds it too.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	k.Timeout = time.Hour
	if _, err := k.Get(ctx, TQMKey); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: %v, want ErrUnavailable and DeadlineExceeded", err)
	}
}

func TestKeychainNoSessionBus(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("no D-Bus on this OS")
	}
	runtimeDir := t.TempDir()
	busDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(busDir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		env         map[string]string
		unavailable bool
	}{
		{"no address, no runtime bus", map[string]string{"XDG_RUNTIME_DIR": runtimeDir}, true},
		{"autolaunch address", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:", "XDG_RUNTIME_DIR": runtimeDir}, true},
		{"address set", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent", "XDG_RUNTIME_DIR": runtimeDir}, false},
		{"systemd user bus", map[string]string{"XDG_RUNTIME_DIR": busDir}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := failing(keyring.ErrNotFound)
			k := &Keychain{Backend: b, Timeout: time.Second,
				getenv: func(k string) string { return tt.env[k] },
				exists: func(p string) bool { _, err := os.Stat(p); return err == nil }}
			start := time.Now()
			_, err := k.Get(context.Background(), TQMKey)
			if tt.unavailable {
				if !errors.Is(err, ErrUnavailable) || b.calls != 0 || time.Since(start) > 100*time.Millisecond {
					t.Fatalf("err = %v, backend calls %d: want an immediate ErrUnavailable", err, b.calls)
				}
				if !strings.Contains(err.Error(), "D-Bus") {
					t.Errorf("reason not plain: %v", err)
				}
			} else if b.calls != 1 || !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, backend calls %d: want the keychain asked", err, b.calls)
			}
		})
	}
}

// TestRealKeychain talks to a real Secret Service. scripts/test.sh runs it
// inside dbus-run-session with an unlocked gnome-keyring and
// MANGOTQM_KEYRING_TEST=1; then an unreachable keychain is a failure, not a
// skip.
func TestRealKeychain(t *testing.T) {
	if os.Getenv("MANGOTQM_KEYRING_TEST") != "1" {
		t.Skip("real Secret Service test skipped: set MANGOTQM_KEYRING_TEST=1 inside a D-Bus session with an unlocked keyring (scripts/test.sh does)")
	}
	ctx := context.Background()
	k := &Keychain{Service: "mangotqm-test-" + randHex(t, 6), Timeout: 10 * time.Second}
	t.Cleanup(func() {
		for _, n := range All {
			_ = k.Delete(context.Background(), n)
		}
	})
	if err := k.Available(ctx); err != nil {
		t.Fatalf("keychain unavailable: %v", err)
	}
	values := map[Name]string{}
	for _, n := range All {
		if _, err := k.Get(ctx, n); !errors.Is(err, ErrNotFound) {
			t.Fatalf("fresh service: get %s = %v, want ErrNotFound", n, err)
		}
		values[n] = "v-" + randHex(t, 16)
		if err := k.Set(ctx, n, values[n]); err != nil {
			t.Fatalf("set %s: %v", n, err)
		}
	}
	// Overwrite one: Set replaces.
	values[TQMKey] = "v2-" + randHex(t, 16)
	if err := k.Set(ctx, TQMKey, values[TQMKey]); err != nil {
		t.Fatal(err)
	}
	for _, n := range All {
		got, err := k.Get(ctx, n)
		if err != nil || got != values[n] {
			t.Fatalf("get %s = %q, %v; want %q", n, got, err, values[n])
		}
	}
	// Another service name does not see them.
	other := &Keychain{Service: k.Service + "-other", Timeout: 10 * time.Second}
	if _, err := other.Get(ctx, TQMKey); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other service: %v, want ErrNotFound", err)
	}
	for _, n := range All {
		if err := k.Delete(ctx, n); err != nil {
			t.Fatalf("delete %s: %v", n, err)
		}
		if _, err := k.Get(ctx, n); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete %s: %v, want ErrNotFound", n, err)
		}
	}
	// The chain serve uses: environment first, keychain second.
	chain := Chain{envOf(nil), k}
	sec, err := EnsureWebhookSecret(ctx, chain)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Get(ctx, WebhookSecret); got != sec {
		t.Fatalf("generated webhook secret not kept in the keychain (%v)", err)
	}
	if again, err := EnsureWebhookSecret(ctx, chain); err != nil || again != sec {
		t.Fatalf("second EnsureWebhookSecret = %q, %v", again, err)
	}
}

func randHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
