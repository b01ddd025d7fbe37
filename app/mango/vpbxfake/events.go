package vpbxfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"mangotqm/app/mango/vpbx"
)

// SignedForm returns the form Mango sends or expects: vpbx_api_key, json
// and sign = vpbx.Sign(key, json, salt). payload may be a string or []byte
// (used as the json value verbatim) or anything json.Marshal accepts.
func SignedForm(key, salt string, payload any) url.Values {
	var js string
	switch p := payload.(type) {
	case string:
		js = p
	case []byte:
		js = string(p)
	case nil:
		js = "{}"
	default:
		b, err := json.Marshal(p)
		if err != nil {
			panic(fmt.Sprintf("vpbxfake: payload: %v", err))
		}
		js = string(b)
	}
	return url.Values{"vpbx_api_key": {key}, "sign": {vpbx.Sign(key, js, salt)}, "json": {js}}
}

// realtimePaths are the event paths Mango posts to an external system.
var realtimePaths = []string{"events/call", "events/summary", "events/recording", "events/record/added",
	"events/dtmf", "events/sms", "events/ab", "events/record/tagged", "result/stat", "result/callback", "result/sms", "ping"}

// SignedEventForm returns a realtime event for path (e.g. "events/summary")
// signed with the fake's key and salt, as Mango would post it. It panics on
// a path Mango does not use, to catch typos in tests.
func (s *Server) SignedEventForm(path string, payload any) url.Values {
	p := strings.Trim(path, "/")
	for _, known := range realtimePaths {
		if p == known {
			return SignedForm(s.key, s.salt, payload)
		}
	}
	panic("vpbxfake: not a Mango realtime path: " + path)
}

// PostEvent posts a signed realtime event to baseURL+path the way Mango
// does (form-urlencoded POST) and returns the response.
func (s *Server) PostEvent(ctx context.Context, baseURL, path string, payload any) (*http.Response, error) {
	form := s.SignedEventForm(path, payload)
	u := strings.TrimRight(baseURL, "/") + "/" + strings.Trim(path, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return http.DefaultClient.Do(req)
}
