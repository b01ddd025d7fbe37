package instance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mangotqm/app/clock"
)

// ownerFile is the data folder's owner lock. It stays in the folder; only
// the OS lock on it counts, so a file left by a crashed run blocks nobody.
const ownerFile = "owner.lock"

// Owner is a process's exclusive claim on a data folder: at most one bridge
// (desktop app or "serve") works on a folder at a time. The OS drops the
// claim when the process ends, however it ends.
type Owner struct {
	f *os.File
}

// HeldError: another process owns the data folder.
type HeldError struct {
	Dir string
	PID int // 0 when the owner's PID could not be read
}

func (e *HeldError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("mangotqm is already running on %s, PID %d", e.Dir, e.PID)
	}
	return fmt.Sprintf("mangotqm is already running on %s", e.Dir)
}

// errLocked is what the platform lock returns when another handle holds it.
var errLocked = errors.New("locked by another process")

// AcquireOwner claims dir for this process, or returns a *HeldError naming
// the process that has it.
func AcquireOwner(dir string) (*Owner, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(dir, ownerFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("owner lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		defer f.Close()
		if errors.Is(err, errLocked) {
			return nil, &HeldError{Dir: dir, PID: readPID(f)}
		}
		return nil, fmt.Errorf("owner lock %s: %w", path, err)
	}
	if err := writePID(f, os.Getpid()); err != nil {
		_ = unlockFile(f)
		_ = f.Close()
		return nil, fmt.Errorf("owner lock %s: %w", path, err)
	}
	return &Owner{f: f}, nil
}

// Release gives the data folder up.
func (o *Owner) Release() error {
	if o == nil || o.f == nil {
		return nil
	}
	err := o.f.Truncate(0) // no stale PID for the next reader
	err = errors.Join(err, unlockFile(o.f), o.f.Close())
	o.f = nil
	if err != nil {
		return fmt.Errorf("release the owner lock: %w", err)
	}
	return nil
}

func writePID(f *os.File, pid int) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(pid)+"\n"), 0); err != nil {
		return err
	}
	return f.Sync()
}

// readPID reads the owner's PID. The owner writes it just after taking the
// lock, so an empty file is retried for a moment.
func readPID(f *os.File) int {
	clk := clock.Real{}
	deadline := clk.Now().Add(time.Second)
	for {
		b := make([]byte, 32)
		n, err := f.ReadAt(b, 0)
		if err == nil || errors.Is(err, io.EOF) {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil && pid > 0 {
				return pid
			}
		}
		if clk.Now().After(deadline) {
			return 0
		}
		_ = clk.Sleep(context.Background(), 20*time.Millisecond)
	}
}
