package ui

import (
	"context"

	"mangotqm/app/secrets"
)

// memSecrets is an in-memory secrets.Store; setErr makes Set fail.
type memSecrets struct {
	*secrets.Memory
	setErr error
}

func newMemSecrets() *memSecrets { return &memSecrets{Memory: secrets.NewMemory(nil)} }

func (s *memSecrets) Set(ctx context.Context, n secrets.Name, v string) error {
	if s.setErr != nil {
		return s.setErr
	}
	return s.Memory.Set(ctx, n, v)
}

func (s *memSecrets) get(n secrets.Name) string {
	v, _ := s.Get(context.Background(), n)
	return v
}
