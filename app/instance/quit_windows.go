//go:build windows

package instance

import (
	"context"
	"errors"
	"fmt"
	"mangotqm/app/clock"
	"time"

	"golang.org/x/sys/windows"
)

// WatchQuit calls onQuit once, on its own goroutine, when RequestQuit is
// called from any process of the session, also when a request is already
// pending at the call. The handle stays open until the process ends (on
// purpose: RequestQuit waits for the event to vanish, which then means this
// process has ended).
func WatchQuit(onQuit func()) error {
	ev, err := windows.CreateEvent(nil, 1, 0, windows.StringToUTF16Ptr(QuitEventName))
	if err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		return fmt.Errorf("quit-request event: %w", err)
	}
	go func() {
		if w, err := windows.WaitForSingleObject(ev, windows.INFINITE); err == nil && w == windows.WAIT_OBJECT_0 {
			onQuit()
		}
	}()
	return nil
}

// RequestQuit asks every process that watches (WatchQuit) to quit, and
// waits until all of them have ended or ctx is done. It reports whether any
// was running.
func RequestQuit(ctx context.Context) (bool, error) {
	const access = windows.EVENT_MODIFY_STATE | windows.SYNCHRONIZE
	name := windows.StringToUTF16Ptr(QuitEventName)
	ev, err := windows.OpenEvent(access, false, name)
	if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("quit-request event: %w", err)
	}
	err = windows.SetEvent(ev)
	_ = windows.CloseHandle(ev)
	if err != nil {
		return true, fmt.Errorf("quit-request event: %w", err)
	}
	clk := clock.Real{}
	for {
		ev, err := windows.OpenEvent(windows.SYNCHRONIZE, false, name)
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
			return true, nil
		}
		if err == nil {
			_ = windows.CloseHandle(ev)
		}
		if err := clk.Sleep(ctx, 100*time.Millisecond); err != nil {
			return true, fmt.Errorf("mangotqm did not quit: %w", err)
		}
	}
}
