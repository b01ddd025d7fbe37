package secrets

import (
	"context"
	"errors"
	"fmt"
	"mangotqm/app/clock"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keychain service name mangotqm's secrets are filed under.
const Service = "mangotqm"

// DefaultTimeout bounds one keychain call.
const DefaultTimeout = 5 * time.Second

// Keychain keeps secrets in the OS keychain: Secret Service (GNOME Keyring,
// KWallet) on Linux, Keychain on macOS, Credential Manager on Windows. Every
// call runs off the caller's goroutine with a timeout: go-keyring can block
// forever when no Secret Service answers.
type Keychain struct {
	Service string        // default Service
	Timeout time.Duration // default DefaultTimeout
	// Backend defaults to go-keyring; tests substitute it.
	Backend Backend
	// Clock times the Timeout (default clock.Real).
	Clock clock.Clock

	// getenv and exists default to os.Getenv and a stat; tests substitute
	// them to check the "no session bus" short cut without touching the
	// process environment.
	getenv func(string) string
	exists func(string) bool
}

// Backend is the keyring API (go-keyring's functions).
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

type goKeyring struct{}

func (goKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (goKeyring) Set(s, u, v string) error        { return keyring.Set(s, u, v) }
func (goKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

func (k *Keychain) service() string {
	if k.Service != "" {
		return k.Service
	}
	return Service
}

func (k *Keychain) backend() Backend {
	if k.Backend != nil {
		return k.Backend
	}
	return goKeyring{}
}

// noSessionBus reports that go-keyring would have to autolaunch a D-Bus
// session bus: on Linux and the BSDs godbus then runs dbus-launch, and the
// keyring call blocks for minutes inside that stray bus. That is the case when
// DBUS_SESSION_BUS_ADDRESS is empty (or "autolaunch:") and godbus's own
// discovery — $XDG_RUNTIME_DIR/bus or $XDG_RUNTIME_DIR/dbus-session, as
// systemd user sessions provide — finds nothing either.
func (k *Keychain) noSessionBus() bool {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return false
	}
	if k.Backend != nil && k.getenv == nil {
		return false // a substituted backend needs no bus
	}
	getenv, exists := k.getenv, k.exists
	if getenv == nil {
		getenv = os.Getenv
	}
	if exists == nil {
		exists = func(p string) bool { _, err := os.Stat(p); return err == nil }
	}
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return false
	}
	dir := getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = fmt.Sprintf("/run/user/%d", os.Getuid())
	}
	return !exists(filepath.Join(dir, "bus")) && !exists(filepath.Join(dir, "dbus-session"))
}

// call runs f off the caller's goroutine with the timeout; a late f finishes
// in the background (go-keyring cannot be interrupted) and its result is
// dropped.
func (k *Keychain) call(ctx context.Context, op string, n Name, f func() (string, error)) (string, error) {
	if k.noSessionBus() {
		return "", fmt.Errorf("keychain: no D-Bus session (is a desktop session running?): %w", ErrUnavailable)
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	type res struct {
		v   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		v, err := f()
		ch <- res{v, err}
	}()
	select {
	case r := <-ch:
		if r.err == nil {
			return r.v, nil
		}
		if errors.Is(r.err, keyring.ErrNotFound) {
			return "", fmt.Errorf("keychain %s %s: %w", op, n, ErrNotFound)
		}
		// The error text of the backend never holds the secret value.
		return "", fmt.Errorf("keychain %s %s: %v: %w", op, n, r.err, ErrUnavailable)
	case <-clock.Or(k.Clock).After(timeout):
		return "", fmt.Errorf("keychain %s %s: no answer within %v (is the keyring locked?): %w", op, n, timeout, ErrUnavailable)
	case <-ctx.Done():
		return "", fmt.Errorf("keychain %s %s: gave up waiting: %w: %w", op, n, ErrUnavailable, ctx.Err())
	}
}

// Get implements Store.
func (k *Keychain) Get(ctx context.Context, n Name) (string, error) {
	return k.call(ctx, "read", n, func() (string, error) { return k.backend().Get(k.service(), string(n)) })
}

// Set implements Store.
func (k *Keychain) Set(ctx context.Context, n Name, v string) error {
	_, err := k.call(ctx, "write", n, func() (string, error) { return "", k.backend().Set(k.service(), string(n), v) })
	return err
}

// Delete implements Store; deleting a missing secret is not an error.
func (k *Keychain) Delete(ctx context.Context, n Name) error {
	_, err := k.call(ctx, "delete", n, func() (string, error) { return "", k.backend().Delete(k.service(), string(n)) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Available checks that the keychain answers (a missing probe item is fine).
func (k *Keychain) Available(ctx context.Context) error {
	_, err := k.Get(ctx, "availability-probe")
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
