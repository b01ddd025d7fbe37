package secrets

import (
	"context"
	"fmt"
	"os"
)

// Env reads secrets from MANGOTQM_* environment variables (servers). It is
// read-only.
type Env struct {
	// Lookup defaults to os.LookupEnv.
	Lookup func(string) (string, bool)
}

func (e Env) lookup(k string) (string, bool) {
	if e.Lookup != nil {
		return e.Lookup(k)
	}
	return os.LookupEnv(k)
}

// Get implements Store.
func (e Env) Get(_ context.Context, n Name) (string, error) {
	v, ok := e.lookup(EnvVar(n))
	if !ok || v == "" {
		return "", fmt.Errorf("%s: %w", EnvVar(n), ErrNotFound)
	}
	return v, nil
}

// Set implements Store; the environment cannot be written.
func (e Env) Set(context.Context, Name, string) error {
	return fmt.Errorf("environment secrets are read-only: %w", ErrUnavailable)
}

// Delete implements Store; the environment cannot be written.
func (e Env) Delete(context.Context, Name) error {
	return fmt.Errorf("environment secrets are read-only: %w", ErrUnavailable)
}

// Chain reads from the first store that has a secret and writes to the
// first store that accepts writes (environment first, then the keychain).
type Chain []Store

// Get implements Store.
func (c Chain) Get(ctx context.Context, n Name) (string, error) {
	var firstErr error
	for _, s := range c {
		v, err := s.Get(ctx, n)
		if err == nil {
			return v, nil
		}
		if firstErr == nil || (errorsIsNotFound(firstErr) && !errorsIsNotFound(err)) {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = ErrNotFound
	}
	return "", firstErr
}

// Set implements Store.
func (c Chain) Set(ctx context.Context, n Name, v string) error {
	var firstErr error
	for _, s := range c {
		err := s.Set(ctx, n, v)
		if err == nil {
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = ErrUnavailable
	}
	return firstErr
}

// Delete implements Store: it deletes from every writable store.
func (c Chain) Delete(ctx context.Context, n Name) error {
	var lastErr error
	deleted := false
	for _, s := range c {
		if err := s.Delete(ctx, n); err == nil {
			deleted = true
		} else {
			lastErr = err
		}
	}
	if deleted {
		return nil
	}
	return lastErr
}
