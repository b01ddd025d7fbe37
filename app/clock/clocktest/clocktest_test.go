package clocktest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mangotqm/app/clock"
)

var _ clock.Clock = (*Manual)(nil)

func TestPoll(t *testing.T) {
	tests := []struct {
		name   string
		trueAt int // cond holds from this look on (0: never)
		want   bool
		looks  int
	}{
		{"at once", 1, true, 1},
		{"third look", 3, true, 3},
		{"never", 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var looks int
				got := Poll(context.Background(), time.Second, func() bool {
					looks++
					return tt.trueAt > 0 && looks >= tt.trueAt
				})
				if got != tt.want {
					t.Fatalf("Poll = %v, want %v", got, tt.want)
				}
				if tt.looks > 0 && looks != tt.looks {
					t.Fatalf("looked %d times, want %d", looks, tt.looks)
				}
			})
		})
	}
}

func TestEventuallyReturnsOnceTrue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		time.AfterFunc(time.Second, func() { n.Store(1) })
		start := time.Now()
		Eventually(t, "the goroutine's mark", func() bool { return n.Load() == 1 })
		if took := time.Since(start); took < time.Second || took > time.Second+Every {
			t.Fatalf("returned after %v, want about 1s", took)
		}
	})
}

func TestManual(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	m := NewManual(t0)
	a := m.After(time.Minute)
	now := m.After(0)
	select {
	case <-now:
	default:
		t.Fatal("After(0) did not fire at once")
	}
	ctx, cancel := context.WithCancel(context.Background())
	slept := make(chan error, 1)
	go func() { slept <- m.Sleep(ctx, time.Hour) }()
	Eventually(t, "two waits", func() bool { return m.Waiting() == 2 })

	m.Advance(59 * time.Second)
	select {
	case <-a:
		t.Fatal("After(1m) fired after 59s")
	default:
	}
	m.Advance(time.Second)
	if got := <-a; !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("After fired with %v", got)
	}
	if m.Waiting() != 1 {
		t.Fatalf("%d waiting, want the Sleep only", m.Waiting())
	}
	cancel()
	if err := <-slept; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	m.Set(t0)
	if !m.Now().Equal(t0) {
		t.Fatalf("Now = %v after Set", m.Now())
	}
}
