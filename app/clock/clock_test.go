package clock

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// Sleep under fake time: it waits exactly d, and an ended context cuts it
// short.
func TestSleep(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
		took time.Duration
	}{
		{"waits", context.Background(), 10 * time.Millisecond, nil, 10 * time.Millisecond},
		{"nothing to wait", context.Background(), 0, nil, 0},
		{"ended before", ended, time.Hour, context.Canceled, 0},
		{"ended, nothing to wait", ended, -time.Second, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				err := Sleep(tt.ctx, tt.d)
				if !errors.Is(err, tt.want) && err != tt.want {
					t.Fatalf("Sleep = %v, want %v", err, tt.want)
				}
				if took := time.Since(start); took != tt.took {
					t.Fatalf("took %v, want %v", took, tt.took)
				}
			})
		})
	}
	// Ending the context cuts a long wait short.
	synctest.Test(t, func(t *testing.T) {
		ctx, stop := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, stop)
		start := time.Now()
		if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Fatalf("Sleep after cancel = %v, want context.Canceled", err)
		}
		if took := time.Since(start); took != 10*time.Millisecond {
			t.Fatalf("cut short after %v, want 10ms", took)
		}
	})
}

// Every Clock here tells the time it is given and waits d on the wall
// clock (faked by synctest).
func TestClocks(t *testing.T) {
	fixed := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		clock Clock
		fixed bool
	}{
		{"real", Real{}, false},
		{"or nil", Or(nil), false},
		{"reading nil", Reading(nil), false},
		{"reading", Reading(func() time.Time { return fixed }), true},
		{"or reading", Or(Reading(func() time.Time { return fixed })), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				want := time.Now()
				if tt.fixed {
					want = fixed
				}
				if got := tt.clock.Now(); !got.Equal(want) {
					t.Fatalf("Now = %v, want %v", got, want)
				}
				start := time.Now()
				<-tt.clock.After(time.Minute)
				if err := tt.clock.Sleep(t.Context(), time.Minute); err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took != 2*time.Minute {
					t.Fatalf("After+Sleep took %v, want 2m", took)
				}
			})
		})
	}
}
