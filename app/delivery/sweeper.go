package delivery

import (
	"context"
	"log/slog"
	"mangotqm/app/clock"
	"time"
)

// sweeper re-queues calls stuck "sending": a try whose outcome could not be
// recorded (and was not recorded later either) leaves its call there. The
// calls this worker still handles are left alone.
type sweeper struct {
	stuck    StuckSweeper
	after    time.Duration // a call "sending" for longer is stuck
	clock    clock.Clock
	log      *slog.Logger
	handling func(row int64) bool // the worker still handles the call
	changed  func(row int64)      // a call was re-queued
	wake     func()
}

// run sweeps every `every` until ctx ends.
func (s *sweeper) run(ctx context.Context, every time.Duration) {
	for s.clock.Sleep(ctx, every) == nil {
		s.sweep(ctx)
	}
}

func (s *sweeper) sweep(ctx context.Context) {
	ids, err := s.stuck.RequeueStuck(ctx, s.clock.Now().Add(-s.after), s.handling)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("cannot look for calls stuck in sending", "err", err)
		}
		return
	}
	for _, id := range ids {
		s.log.Warn("call was stuck in sending (its outcome could not be recorded): sending it again; TQM may receive it twice",
			"row", id, "stuck_for_more_than", s.after)
		s.changed(id)
	}
	if len(ids) > 0 {
		s.wake()
	}
}
