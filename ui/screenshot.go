package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"mangotqm/app/calls"
	"mangotqm/ui/vm"
)

// takeScreenshot (demo mode, MANGOTQM_SCREENSHOT=<file.png>) simulates a
// call, waits until the window's table shows it delivered, saves the window
// as a PNG and the texts of the rendered table cells next to it
// (<file.png>.txt), then quits. Used by the screenshot test.
func (u *UI) takeScreenshot() {
	err := u.screenshotSteps()
	if err != nil {
		u.log.Error("screenshot failed", "err", err)
		_ = os.WriteFile(u.screenshot+".err", []byte(err.Error()), 0o644)
		u.exitCode = 1
	}
	fyne.Do(u.app.Quit)
}

func (u *UI) screenshotSteps() error {
	ctx := context.Background()
	if err := poll(30*time.Second, func() bool { return len(u.bridge.Endpoints()) > 0 }); err != nil {
		return fmt.Errorf("receiver did not start: %w", err)
	}
	sim, ok := u.bridge.(vm.Simulator)
	if !ok {
		return errors.New("screenshots are taken in demo mode")
	}
	row, err := sim.Simulate(ctx)
	if err != nil {
		return err
	}
	call, _, err := u.bridge.Call(ctx, row)
	if err != nil {
		return err
	}
	delivered := u.tr.T(vm.StatusKey(calls.StatusDelivered))
	shown := func() bool {
		var has bool
		fyne.DoAndWait(func() {
			u.main.table.Refresh()
		})
		text := strings.Join(u.main.visibleText(), "\n")
		has = strings.Contains(text, call.Caller) && strings.Contains(text, delivered)
		return has
	}
	if err := poll(30*time.Second, shown); err != nil {
		return fmt.Errorf("the table never showed call %s as delivered: %w", call.Caller, err)
	}
	time.Sleep(500 * time.Millisecond) // let the last frame paint
	texts := u.main.visibleText()
	sort.Strings(texts)
	dump := fmt.Sprintf("caller: %s\ndelivered: %s\ncells:\n%s\n", call.Caller, delivered, strings.Join(texts, "\n"))
	if err := os.WriteFile(u.screenshot+".txt", []byte(dump), 0o644); err != nil {
		return err
	}
	// The test now photographs the X display (the GL canvas cannot read
	// its own front buffer under software rendering) and says when done.
	if err := poll(60*time.Second, func() bool {
		_, err := os.Stat(u.screenshot + ".taken")
		return err == nil
	}); err != nil {
		return fmt.Errorf("nobody took the screenshot: %w", err)
	}
	return nil
}

var errTimeout = errors.New("timed out")

func poll(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
