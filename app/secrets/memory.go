package secrets

import (
	"context"
	"sync"
)

// Memory keeps secrets in memory only: demo mode and tests.
type Memory struct {
	mu sync.Mutex
	m  map[Name]string
}

// NewMemory returns a store holding a copy of initial.
func NewMemory(initial map[Name]string) *Memory {
	m := &Memory{m: map[Name]string{}}
	for k, v := range initial {
		m.m[k] = v
	}
	return m
}

// Get implements Store.
func (s *Memory) Get(_ context.Context, n Name) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[n]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set implements Store.
func (s *Memory) Set(_ context.Context, n Name, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[n] = v
	return nil
}

// Delete implements Store.
func (s *Memory) Delete(_ context.Context, n Name) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, n)
	return nil
}
