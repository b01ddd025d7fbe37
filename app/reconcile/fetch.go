package reconcile

import (
	"context"
	"time"

	"mangotqm/app/mango/vpbx"
)

// Rows fetches Mango's statistics rows of [from, to) without storing
// anything (the rules page's preview), by the same spacing and lockout
// rules as every other request of the engine.
func (e *Engine) Rows(ctx context.Context, from, to time.Time) ([]vpbx.StatsRow, error) {
	var out []vpbx.StatsRow
	for _, c := range Chunks(from, to, e.cfg.MaxChunk) {
		rows, err := e.fetchChunk(ctx, c)
		if err != nil {
			return out, err
		}
		out = append(out, rows...)
	}
	return out, nil
}
