package instance

import (
	"errors"
	"testing"
	"time"
)

func TestSecondLaunchShowsTheFirst(t *testing.T) {
	dir := t.TempDir()
	shown := make(chan struct{}, 1)
	first, err := Acquire(dir, func() { shown <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(dir, nil); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Acquire: %v, want ErrRunning", err)
	}
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance was not asked to show its window")
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := Acquire(dir, nil)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	_ = again.Release()
}
