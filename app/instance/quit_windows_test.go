//go:build windows

package instance

import (
	"context"
	"testing"
	"time"
)

// TestRequestQuit: the installer's request reaches every watching copy,
// which quit; RequestQuit returns once all have ended, and the request does
// not outlive them. A copy that does not quit makes RequestQuit give up at
// its deadline, and a copy started while the request is pending quits at
// once.
func TestRequestQuit(t *testing.T) {
	if running, err := RequestQuit(context.Background()); running || err != nil {
		t.Fatalf("RequestQuit with nothing running = %v, %v; want false, nil", running, err)
	}

	a, b := startQuitHelper(t, "heed"), startQuitHelper(t, "heed")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	running, err := RequestQuit(ctx)
	if !running || err != nil {
		t.Fatalf("RequestQuit with two copies running = %v, %v; want true, nil", running, err)
	}
	for _, h := range []*helperProc{a, b} {
		// RequestQuit returns once every copy has let go of the event,
		// which a copy does on its way out; the process itself may take a
		// moment longer to be reaped.
		select {
		case <-h.exited:
		case <-time.After(10 * time.Second):
			t.Fatal("a copy still runs 10 s after RequestQuit returned")
		}
		if h.err != nil {
			t.Errorf("a copy asked to quit ended with %v, want exit 0", h.err)
		}
	}
	if running, err := RequestQuit(context.Background()); running || err != nil {
		t.Fatalf("RequestQuit after all quit = %v, %v; want false, nil (the request must not outlive them)", running, err)
	}

	deaf := startQuitHelper(t, "deaf")
	short, cancelShort := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancelShort()
	if running, err := RequestQuit(short); !running || err == nil {
		t.Fatalf("RequestQuit with a copy that does not quit = %v, %v; want true and an error", running, err)
	}
	deaf.expect(t, "asked")
	late := startQuitHelper(t, "heed")
	late.expect(t, "asked")
	if err := late.wait(); err != nil {
		t.Fatalf("a copy started during the request: %v", err)
	}
	if err := deaf.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = deaf.wait()
	if running, err := RequestQuit(context.Background()); running || err != nil {
		t.Fatalf("RequestQuit after the hung copy was ended = %v, %v; want false, nil", running, err)
	}
}
