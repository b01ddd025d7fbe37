//go:build windows

package instance

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/windows"
)

// Lock is held by the first instance: a named mutex marks it as running, a
// named auto-reset event carries "show your window" from later launches.
// Both live in the session's Local\ namespace, so they are per user session;
// the names carry a hash of the data folder. Windows drops both when the
// process ends, so a crashed run leaves nothing behind.
type Lock struct {
	mutex windows.Handle
	show  windows.Handle
	stop  windows.Handle
	wg    sync.WaitGroup
	once  sync.Once
}

// objectName is the kernel object name for kind ("instance", "show") and dir.
func objectName(kind, dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(abs))))
	return `Local\mangotqm-` + kind + "-" + hex.EncodeToString(sum[:12]), nil
}

// Acquire becomes the single instance for dir, or returns ErrRunning after
// asking the running one to show itself. onShow is called (on its own
// goroutine) whenever a later launch asks.
func Acquire(dir string, onShow func()) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	mutexName, err := objectName("instance", dir)
	if err != nil {
		return nil, err
	}
	showName, err := objectName("show", dir)
	if err != nil {
		return nil, err
	}
	mutex, err := windows.CreateMutex(nil, false, windows.StringToUTF16Ptr(mutexName))
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		_ = windows.CloseHandle(mutex)
		if err := signalShow(showName); err != nil {
			return nil, fmt.Errorf("%w (and it could not be asked to show its window: %v)", ErrRunning, err)
		}
		return nil, ErrRunning
	}
	if err != nil {
		return nil, fmt.Errorf("single-instance mutex: %w", err)
	}
	// CreateEvent opens the event when a racing second launch made it first;
	// its pending "show" then reaches this instance, which shows anyway.
	show, err := windows.CreateEvent(nil, 0, 0, windows.StringToUTF16Ptr(showName))
	if err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		_ = windows.CloseHandle(mutex)
		return nil, fmt.Errorf("single-instance event: %w", err)
	}
	stop, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		_ = windows.CloseHandle(show)
		_ = windows.CloseHandle(mutex)
		return nil, fmt.Errorf("single-instance event: %w", err)
	}
	l := &Lock{mutex: mutex, show: show, stop: stop}
	l.wg.Add(1)
	go l.serve(onShow)
	return l, nil
}

// signalShow sets the running instance's "show" event. The launch that
// calls it is in the foreground; it lets the running instance take the
// foreground, which Windows otherwise refuses to a background process.
func signalShow(name string) error {
	ev, err := windows.CreateEvent(nil, 0, 0, windows.StringToUTF16Ptr(name))
	if err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		return err
	}
	defer windows.CloseHandle(ev)
	allowSetForeground()
	return windows.SetEvent(ev)
}

var procAllowSetForegroundWindow = windows.NewLazySystemDLL("user32.dll").NewProc("AllowSetForegroundWindow")

func allowSetForeground() {
	const asfwAny = ^uintptr(0) // ASFW_ANY
	if procAllowSetForegroundWindow.Find() == nil {
		_, _, _ = procAllowSetForegroundWindow.Call(asfwAny)
	}
}

func (l *Lock) serve(onShow func()) {
	defer l.wg.Done()
	for {
		ev, err := windows.WaitForMultipleObjects([]windows.Handle{l.show, l.stop}, false, windows.INFINITE)
		if err != nil || ev != windows.WAIT_OBJECT_0 {
			return
		}
		if onShow != nil {
			go onShow()
		}
	}
}

// Release stops answering and drops the mutex.
func (l *Lock) Release() error {
	var err error
	l.once.Do(func() {
		err = windows.SetEvent(l.stop)
		l.wg.Wait()
		err = errors.Join(err, windows.CloseHandle(l.show), windows.CloseHandle(l.stop), windows.CloseHandle(l.mutex))
	})
	return err
}
