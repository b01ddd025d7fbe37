package bridge

import (
	"context"
	"strings"
	"sync"
	"time"
)

// employeesFor is how long Mango's users list is reused.
const employeesFor = 10 * time.Minute

// employeeCache keeps Mango's last users list (extension → name).
type employeeCache struct {
	mu    sync.Mutex
	at    time.Time
	names map[string]string
}

// EmployeeNames maps employees' extensions to their names from Mango's
// users list (read at most every 10 minutes); empty without the VPBX key
// or when Mango cannot be asked (the window then shows extensions only).
func (b *Bridge) EmployeeNames(ctx context.Context) map[string]string {
	c := &b.employees
	c.mu.Lock()
	defer c.mu.Unlock()
	now := b.opts.Clock.Now()
	if !c.at.IsZero() && now.Sub(c.at) < employeesFor {
		return c.names
	}
	if !b.vpbxReady(ctx) {
		c.at = now // asked again after employeesFor
		return nil
	}
	users, err := b.vpbxClient(b.Config().VPBXURL).Users(ctx)
	c.at = now // a failure is not retried at every refresh either
	if err != nil {
		b.log.Warn("Mango's employees could not be read; the window shows extensions only", "err", err)
		return c.names
	}
	names := map[string]string{}
	for _, u := range users {
		if ext, name := strings.TrimSpace(u.Extension), strings.TrimSpace(u.Name); ext != "" && name != "" {
			names[ext] = name
		}
	}
	c.names = names
	return names
}
