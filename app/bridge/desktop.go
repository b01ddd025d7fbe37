package bridge

// What the desktop window asks for beyond the other front ends: the chart
// of the last days, the tries per call of the table, a check of Mango's
// VPBX code and key for the first-run wizard.

import (
	"context"
	"fmt"
	"sync"

	"mangotqm/app/mango/vpbx"
	"mangotqm/store"
)

// DayCount is one local day of the desktop's chart.
type DayCount = store.DayCount

// DailyCounts counts the calls of the last days local days, today last.
func (b *Bridge) DailyCounts(ctx context.Context, days int) ([]DayCount, error) {
	return b.store.DailyCounts(ctx, b.opts.Clock.Now(), days)
}

// AttemptCounts returns how many tries are stored for each call row.
func (b *Bridge) AttemptCounts(ctx context.Context, rows []int64) (map[int64]int, error) {
	return b.store.AttemptCounts(ctx, rows)
}

// VPBXChecker returns a check of Mango's VPBX code and signing key: each
// call sends one signed request (the users list) with the values given to
// the configured VPBX address and returns how many employees Mango
// listed. The checks share one client, so Mango's limits and its lockout
// rule hold across them: after a wrong code or key (one invalid request
// per two minutes, a second one blocks the account) the next check within
// the window sends nothing and fails with a *vpbx.LockoutError saying
// until when.
func (b *Bridge) VPBXChecker() func(ctx context.Context, key, salt string) (int, error) {
	var mu sync.Mutex
	var creds vpbx.Credentials
	c := &vpbx.Client{BaseURL: b.Config().VPBXURL, Logger: b.log.With("part", "vpbx-check"),
		Credentials: func(context.Context) (vpbx.Credentials, error) {
			mu.Lock()
			defer mu.Unlock()
			return creds, nil
		}}
	return func(ctx context.Context, key, salt string) (int, error) {
		mu.Lock()
		creds = vpbx.Credentials{Key: key, Salt: salt}
		mu.Unlock()
		users, err := c.Users(ctx)
		if err != nil {
			return 0, fmt.Errorf("check the VPBX code and key: %w", err)
		}
		return len(users), nil
	}
}
