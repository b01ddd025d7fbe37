package vpbx

import (
	"context"
	"net/http"
)

// User is one VPBX employee (config/users/request). Only what the bridge
// needs is kept; missing fields stay empty.
type User struct {
	UserID     string
	Name       string
	Email      string
	Extension  string
	Department string
	Position   string
	Mobile     string
	Login      string
	Numbers    []string // telephony numbers (sip:…, phone numbers), as given
}

// usersAnswer is tolerant: Mango nests general{…} and telephony{…}; some
// versions and wrappers show flat fields.
type usersAnswer struct {
	Users []struct {
		General struct {
			UserID     flexString `json:"user_id"`
			Name       flexString `json:"name"`
			Email      flexString `json:"email"`
			Department flexString `json:"department"`
			Position   flexString `json:"position"`
			Mobile     flexString `json:"mobile"`
			Login      flexString `json:"login"`
		} `json:"general"`
		Telephony struct {
			Extension flexString `json:"extension"`
			Numbers   []struct {
				Number flexString `json:"number"`
			} `json:"numbers"`
		} `json:"telephony"`
		UserID    flexString `json:"user_id"`
		Name      flexString `json:"name"`
		Email     flexString `json:"email"`
		Extension flexString `json:"extension"`
	} `json:"users"`
}

// Users returns the employees of the VPBX.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	a, err := c.post(ctx, "config/users/request", struct{}{})
	if err != nil {
		return nil, err
	}
	if a.status != http.StatusOK {
		return nil, &APIError{Path: "config/users/request", HTTPStatus: a.status, Message: snippet(a.body)}
	}
	return ParseUsers(a.body)
}

// ParseUsers decodes a config/users/request answer.
func ParseUsers(body []byte) ([]User, error) {
	var ua usersAnswer
	if err := jsonUnmarshal(body, &ua); err != nil {
		return nil, &APIError{Path: "config/users/request", HTTPStatus: http.StatusOK, Message: "answer is not the users JSON: " + err.Error()}
	}
	out := make([]User, 0, len(ua.Users))
	for _, u := range ua.Users {
		x := User{
			UserID:     first(u.General.UserID, u.UserID),
			Name:       first(u.General.Name, u.Name),
			Email:      first(u.General.Email, u.Email),
			Extension:  first(u.Telephony.Extension, u.Extension),
			Department: string(u.General.Department),
			Position:   string(u.General.Position),
			Mobile:     string(u.General.Mobile),
			Login:      string(u.General.Login),
		}
		for _, n := range u.Telephony.Numbers {
			if n.Number != "" {
				x.Numbers = append(x.Numbers, string(n.Number))
			}
		}
		out = append(out, x)
	}
	return out, nil
}

func first(v ...flexString) string {
	for _, s := range v {
		if s != "" {
			return string(s)
		}
	}
	return ""
}
