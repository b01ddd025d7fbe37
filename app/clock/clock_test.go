package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"waits", context.Background(), 10 * time.Millisecond, nil},
		{"nothing to wait", context.Background(), 0, nil},
		{"ended before", ended, time.Hour, context.Canceled},
		{"ended, nothing to wait", ended, -time.Second, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := Sleep(tt.ctx, tt.d)
			if !errors.Is(err, tt.want) && err != tt.want {
				t.Fatalf("Sleep = %v, want %v", err, tt.want)
			}
			if err == nil && time.Since(start) < tt.d {
				t.Fatalf("returned after %v, before %v", time.Since(start), tt.d)
			}
		})
	}
	// Ending the context cuts a long wait short.
	ctx, stop := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); stop() }()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep after cancel = %v, want context.Canceled", err)
	}
}
