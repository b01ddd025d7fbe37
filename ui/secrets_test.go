package ui

import (
	"context"
	"sync"

	"mangotqm/app/secrets"
)

// memSecrets is an in-memory secrets.Store; setErr makes Set fail.
type memSecrets struct {
	mu     sync.Mutex
	m      map[secrets.Name]string
	setErr error
}

func newMemSecrets() *memSecrets { return &memSecrets{m: map[secrets.Name]string{}} }

func (s *memSecrets) Get(_ context.Context, n secrets.Name) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[n]
	if !ok {
		return "", secrets.ErrNotFound
	}
	return v, nil
}

func (s *memSecrets) Set(_ context.Context, n secrets.Name, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setErr != nil {
		return s.setErr
	}
	s.m[n] = v
	return nil
}

func (s *memSecrets) Delete(_ context.Context, n secrets.Name) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, n)
	return nil
}

func (s *memSecrets) get(n secrets.Name) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[n]
}
