package tqm

import (
	"context"
	"net/url"

	"mangotqm/app/calls"
)

// User is an operator for TQM's import/user (docs/tqm.md §7.1): an upsert by id,
// so operator ids in imported calls carry real names.
type User struct {
	ID        string // ≤ 100
	FirstName string
	LastName  string // required
	Email     string // required
	RoleID    string // 2 agent (default), 3 supervisor, 4 manager, 10 quality controller, 17 assistant
}

// ImportUser creates or updates one operator. The v1 path with query
// parameters is what public code uses (the method has no v2 page).
func (c *Client) ImportUser(ctx context.Context, u User) (calls.Result, error) {
	q := url.Values{}
	q.Set("id", u.ID)
	q.Set("lastName", u.LastName)
	q.Set("email", u.Email)
	role := u.RoleID
	if role == "" {
		role = "2"
	}
	q.Set("roleId", role)
	if u.FirstName != "" {
		q.Set("firstName", u.FirstName)
	}
	return c.do(ctx, c.base()+"/integration/import/user?"+q.Encode(), "", nil)
}
