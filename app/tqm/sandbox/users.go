package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// PathImportUser is TQM's operator import (v1, docs/tqm.md §7.1).
const PathImportUser = "/integration/import/user"

// User is an operator TQM knows.
type User struct {
	ID, FirstName, MiddleName, LastName, Email, OrganizationalUnitID, RoleID string
}

// validRoles: 2 agent, 3 supervisor, 4 manager, 10 quality controller, 17 administrator's assistant.
var validRoles = map[string]bool{"2": true, "3": true, "4": true, "10": true, "17": true}

// Users returns the operators imported so far, by id.
func (s *Server) Users() map[string]User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]User, len(s.users))
	for k, v := range s.users {
		out[k] = v
	}
	return out
}

// serveUser upserts an operator by id, answering "created" or "updated"
// (parameters in the query string, as public code sends them).
func (s *Server) serveUser(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-correlation-id", newCorrelationID())
	s.mu.Lock()
	key := s.key
	s.mu.Unlock()
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"message": msg})
		_, _ = w.Write(b)
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "only POST is allowed")
		return
	}
	if r.Header.Get("Authorization") != "Basic "+key {
		fail(http.StatusUnauthorized, "wrong or missing access key")
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		fail(http.StatusBadRequest, "malformed query")
		return
	}
	known := map[string]int{"id": 100, "firstName": 256, "middleName": 256, "lastName": 256, "email": 256,
		"organizationalUnitId": 100, "roleId": 2, "apiVersion": 10}
	for k, v := range q {
		limit, ok := known[k]
		if !ok {
			fail(http.StatusBadRequest, fmt.Sprintf("unknown parameter %q", k))
			return
		}
		if len(v) != 1 || utf8.RuneCountInString(v[0]) > limit {
			fail(http.StatusBadRequest, fmt.Sprintf("%s must be one value of at most %d characters", k, limit))
			return
		}
	}
	for _, req := range []string{"id", "lastName", "email", "roleId"} {
		if q.Get(req) == "" {
			fail(http.StatusBadRequest, req+" is required")
			return
		}
	}
	if !validRoles[q.Get("roleId")] {
		fail(http.StatusBadRequest, "roleId must be one of 2, 3, 4, 10, 17")
		return
	}
	u := User{ID: q.Get("id"), FirstName: q.Get("firstName"), MiddleName: q.Get("middleName"), LastName: q.Get("lastName"),
		Email: q.Get("email"), OrganizationalUnitID: q.Get("organizationalUnitId"), RoleID: q.Get("roleId")}
	s.mu.Lock()
	if s.users == nil {
		s.users = map[string]User{}
	}
	_, existed := s.users[u.ID]
	s.users[u.ID] = u
	s.mu.Unlock()
	answer := "created"
	if existed {
		answer = "updated"
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, "%q", answer)
}
