package store

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// ErrDatabaseGone: the database file was deleted or replaced under the
// running store. Every write fails from then on (the receiver answers 503,
// so the sender retries) until the bridge restarts.
var ErrDatabaseGone = errors.New("the database file was deleted or replaced while mangotqm was running")

// FileCheckEvery is how often an idle store checks that its file is still
// the one it opened (writes check before and after every commit anyway).
const FileCheckEvery = 5 * time.Second

// health watches the database file's identity and remembers whether writes
// are failing, telling Options.OnFault about changes.
type health struct {
	path    string
	opened  os.FileInfo
	onFault func(error)

	mu    sync.Mutex
	gone  error // sticky
	fault error // the last write error, nil once a write succeeds
}

func newHealth(path string, onFault func(error)) (*health, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	return &health{path: path, opened: fi, onFault: onFault}, nil
}

// checkFile returns ErrDatabaseGone (wrapped) when the file at path is no
// longer the one opened: deleted, or replaced by another file.
func (h *health) checkFile() error {
	h.mu.Lock()
	gone := h.gone
	h.mu.Unlock()
	if gone != nil {
		return gone
	}
	fi, err := os.Stat(h.path)
	switch {
	case err == nil && os.SameFile(fi, h.opened):
		return nil
	case err == nil:
		err = fmt.Errorf("%w: %s is now another file; restart mangotqm", ErrDatabaseGone, h.path)
	default:
		err = fmt.Errorf("%w: %s: %v; restart mangotqm (it refuses to start without its database and names the backup to restore)",
			ErrDatabaseGone, h.path, err)
	}
	h.mu.Lock()
	first := h.gone == nil
	if first {
		h.gone = err
	}
	h.mu.Unlock()
	if first {
		h.report(err)
	}
	return err
}

// wrote records the outcome of a write: the first failure after success
// (and the first success after failures) is reported.
func (h *health) wrote(err error) {
	h.mu.Lock()
	if h.gone != nil {
		h.mu.Unlock()
		return
	}
	changed := (err == nil) != (h.fault == nil)
	h.fault = err
	h.mu.Unlock()
	if changed {
		h.report(err)
	}
}

func (h *health) report(err error) {
	if h.onFault != nil {
		h.onFault(err)
	}
}

// Fault returns why writes are failing (ErrDatabaseGone, disk full, a
// damaged page...), or nil while they work.
func (s *Store) Fault() error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	if s.health.gone != nil {
		return s.health.gone
	}
	return s.health.fault
}

// isStorageFault tells whether a write error is the storage failing (disk
// full, I/O error, damaged or vanished file), not a rule of the data.
func isStorageFault(err error) bool {
	return errors.Is(err, ErrDatabaseGone) || sqliteFault(err)
}
