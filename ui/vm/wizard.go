package vm

import (
	"context"
	"errors"
	"sync"
	"time"

	"mangotqm/app/clock"
	"mangotqm/app/mango/vpbx"
)

// VPBXCheck checks Mango's VPBX code and signing key with one signed
// request, at most once per lockout window after a wrong answer: Mango
// allows one invalid request per two minutes and blocks the account for a
// second one. Safe for concurrent use.
type VPBXCheck struct {
	Check func(ctx context.Context, key, salt string) (users int, err error)
	Clock clock.Clock // nil = the wall clock

	mu    sync.Mutex
	until time.Time
}

// CheckResult is what the wizard shows after a check.
type CheckResult struct {
	Key   string         // i18n key of the message
	Data  map[string]any // its fields
	OK    bool           // Mango accepted the code and key
	Wrong bool           // Mango rejected them (the values must change)
	// Until: no check before this time (zero when a check may run now).
	Until time.Time
}

func (v *VPBXCheck) now() time.Time { return clock.Or(v.Clock).Now() }

// Wait returns until when checking is not allowed (zero: allowed now).
func (v *VPBXCheck) Wait() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.now().Before(v.until) {
		return v.until
	}
	return time.Time{}
}

// Run checks key and salt, or says when it may check again.
func (v *VPBXCheck) Run(ctx context.Context, key, salt string) CheckResult {
	if until := v.Wait(); !until.IsZero() {
		return CheckResult{Key: "ui.wizard.vpbx.wait", Data: map[string]any{"Until": until.Local().Format("15:04")}, Until: until}
	}
	n, err := v.Check(ctx, key, salt)
	if err == nil {
		return CheckResult{Key: "ui.wizard.vpbx.ok", Data: map[string]any{"N": n}, OK: true}
	}
	var lo *vpbx.LockoutError
	if errors.As(err, &lo) {
		v.mu.Lock()
		v.until = lo.Until
		v.mu.Unlock()
		r := CheckResult{Data: map[string]any{"Until": lo.Until.Local().Format("15:04")}, Wrong: true, Until: lo.Until}
		switch {
		case errors.Is(err, vpbx.ErrWrongKey):
			r.Key = "ui.wizard.vpbx.wrong_key"
		case errors.Is(err, vpbx.ErrWrongSign):
			r.Key = "ui.wizard.vpbx.wrong_sign"
		default:
			r.Key = "ui.wizard.vpbx.blocked"
		}
		return r
	}
	var api *vpbx.APIError
	if errors.As(err, &api) && api.Code >= 3000 && api.Code < 4000 {
		// Another invalid request: Mango counts it towards the lockout too.
		until := v.now().Add(vpbx.DefaultLockout)
		v.mu.Lock()
		v.until = until
		v.mu.Unlock()
		return CheckResult{Key: "ui.wizard.vpbx.rejected", Data: map[string]any{"Until": until.Local().Format("15:04"),
			"Code": api.Code}, Wrong: true, Until: until}
	}
	return CheckResult{Key: "ui.wizard.vpbx.unreachable"}
}
