package tunnel

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Policy is the subset of ngrok's Traffic Policy document we produce.
// ngrok accepts the same document as YAML or JSON; we send JSON.
type Policy struct {
	OnHTTPRequest []PolicyRule `json:"on_http_request"`
}

// PolicyRule is one rule of a phase: when every expression (CEL) is true, the
// actions run.
type PolicyRule struct {
	Name        string         `json:"name"`
	Expressions []string       `json:"expressions"`
	Actions     []PolicyAction `json:"actions"`
}

// PolicyAction is one Traffic Policy action.
type PolicyAction struct {
	Type   string         `json:"type"`
	Config map[string]any `json:"config,omitempty"`
}

// MaxPolicyRules is the free plan's limit on rules per policy.
const MaxPolicyRules = 5

var (
	prefixRE = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*/$`)
	methodRE = regexp.MustCompile(`^[A-Z]+$`)
)

// TrafficPolicy returns the JSON Traffic Policy applied at ngrok's edge: a
// request whose path does not start with prefix (the secret webhook prefix,
// e.g. "/mango/<secret>/"), or whose method is not in methods, gets a plain
// 404 from ngrok and never reaches this computer. Methods default to GET and
// POST (what Mango sends). The policy has two rules (free plan: at most 5).
//
// The prefix may hold only URL-safe characters (letters, digits, "._~-/"), so
// it can be quoted in a CEL string without escaping; it must begin and end
// with "/".
func TrafficPolicy(prefix string, methods []string) (string, error) {
	if !prefixRE.MatchString(prefix) || prefix == "/" || strings.Contains(prefix, "//") {
		return "", fmt.Errorf("traffic policy: webhook prefix %q must look like /mango/<secret>/", prefix)
	}
	if len(methods) == 0 {
		methods = []string{"GET", "POST"}
	}
	ms := make([]string, 0, len(methods))
	for _, m := range methods {
		m = strings.ToUpper(strings.TrimSpace(m))
		if !methodRE.MatchString(m) {
			return "", fmt.Errorf("traffic policy: bad HTTP method %q", m)
		}
		if !slices.Contains(ms, m) {
			ms = append(ms, m)
		}
	}
	quoted := make([]string, len(ms))
	for i, m := range ms {
		quoted[i] = "'" + m + "'"
	}
	notFound := []PolicyAction{{
		Type: "custom-response",
		Config: map[string]any{
			"status_code": 404,
			"body":        "Not Found",
			"headers":     map[string]string{"content-type": "text/plain"},
		},
	}}
	p := Policy{OnHTTPRequest: []PolicyRule{
		{
			Name:        "mangotqm: only the webhook path",
			Expressions: []string{"!req.url.path.startsWith('" + prefix + "')"},
			Actions:     notFound,
		},
		{
			Name:        "mangotqm: only " + strings.Join(ms, ", "),
			Expressions: []string{"!(req.method in [" + strings.Join(quoted, ", ") + "])"},
			Actions:     notFound,
		},
	}}
	if len(p.OnHTTPRequest) > MaxPolicyRules {
		return "", errors.New("traffic policy: too many rules for the free plan")
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return "", fmt.Errorf("traffic policy: %w", err)
	}
	return string(b), nil
}
