// Package operators copies Mango's employees into TQM as operators (TQM's
// import/user is an upsert by id), so that the operator ids in imported
// calls carry real names. The TQM id of an employee is their Mango extension
// — the operator id VPBX calls are mapped with.
package operators

import (
	"context"
	"fmt"
	"strings"

	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/tqm"
)

// Mango lists employees (vpbx.Client).
type Mango interface {
	Users(ctx context.Context) ([]vpbx.User, error)
}

// TQM imports operators (tqm.Client).
type TQM interface {
	ImportUser(ctx context.Context, u tqm.User) (calls.Result, error)
}

// Report says what a sync did.
type Report struct {
	Imported int
	Skipped  []string // "<name>: why"
	Failed   []string // "<name>: TQM's answer"
}

// Sync imports every Mango employee that has an extension and an e-mail
// (TQM requires one). It stops at the first answer that says the TQM key is
// wrong.
func Sync(ctx context.Context, m Mango, t TQM) (Report, error) {
	users, err := m.Users(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("read employees from Mango: %w", err)
	}
	var rep Report
	for _, u := range users {
		name := strings.TrimSpace(u.Name)
		id := strings.TrimSpace(u.Extension)
		if id == "" {
			id = strings.TrimSpace(u.UserID)
		}
		switch {
		case id == "":
			rep.Skipped = append(rep.Skipped, name+": no extension or id in Mango")
			continue
		case strings.TrimSpace(u.Email) == "":
			rep.Skipped = append(rep.Skipped, first(name, id)+": no e-mail in Mango (TQM requires one)")
			continue
		}
		// Mango keeps one name field; TQM requires a last name. The whole
		// name goes there (word order differs between offices).
		r, err := t.ImportUser(ctx, tqm.User{ID: id, LastName: first(name, id), Email: strings.TrimSpace(u.Email)})
		switch {
		case err != nil:
			return rep, fmt.Errorf("import %s: %w", first(name, id), err)
		case r.Outcome == calls.OutcomePaused: // 401/403
			return rep, fmt.Errorf("TQM rejected the access key (HTTP %d)", r.HTTPStatus)
		case r.Outcome != calls.OutcomeDelivered: // anything but 200
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s: HTTP %d %s", first(name, id), r.HTTPStatus, r.Response))
		default:
			rep.Imported++
		}
	}
	return rep, nil
}

func first(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
