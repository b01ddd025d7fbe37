package tunnel

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Tiny evaluator for the two CEL expression forms TrafficPolicy emits; any
// other form fails the test, so a change of form must update this matcher.
var (
	pathExprRE   = regexp.MustCompile(`^!req\.url\.path\.startsWith\('([^']*)'\)$`)
	methodExprRE = regexp.MustCompile(`^!\(req\.method in \[((?:'[A-Z]+'(?:, )?)+)\]\)$`)
)

func evalExpr(t *testing.T, expr, path, method string) bool {
	t.Helper()
	if m := pathExprRE.FindStringSubmatch(expr); m != nil {
		return !strings.HasPrefix(path, m[1])
	}
	if m := methodExprRE.FindStringSubmatch(expr); m != nil {
		var allowed []string
		for _, q := range strings.Split(m[1], ", ") {
			allowed = append(allowed, strings.Trim(q, "'"))
		}
		return !slices.Contains(allowed, method)
	}
	t.Fatalf("expression %q is not one the matcher knows", expr)
	return false
}

// blocked reports whether ngrok would answer 404 itself: some rule has all
// expressions true and a custom-response 404 action.
func blocked(t *testing.T, p Policy, path, method string) bool {
	t.Helper()
	for _, r := range p.OnHTTPRequest {
		all := len(r.Expressions) > 0
		for _, e := range r.Expressions {
			all = all && evalExpr(t, e, path, method)
		}
		if all {
			if len(r.Actions) == 0 || r.Actions[0].Type != "custom-response" {
				t.Fatalf("rule %q has no custom-response action", r.Name)
			}
			if code, _ := r.Actions[0].Config["status_code"].(float64); code != 404 {
				t.Fatalf("rule %q answers %v, want 404", r.Name, r.Actions[0].Config["status_code"])
			}
			return true
		}
	}
	return false
}

func TestTrafficPolicy(t *testing.T) {
	const prefix = "/mango/s3cr3t-Abc_9/"
	text, err := TrafficPolicy(prefix, []string{"GET", "post"})
	if err != nil {
		t.Fatalf("TrafficPolicy: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, text)
	}
	if len(raw) != 1 || raw["on_http_request"] == nil {
		t.Fatalf("want only the on_http_request phase, got %s", text)
	}
	var p Policy
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		t.Fatalf("parse policy: %v", err)
	}
	if n := len(p.OnHTTPRequest); n == 0 || n > MaxPolicyRules {
		t.Fatalf("%d rules, want 1..%d", n, MaxPolicyRules)
	}
	if !strings.Contains(text, "'"+prefix+"'") {
		t.Fatalf("policy does not name the prefix:\n%s", text)
	}
	cases := []struct {
		method, path string
		block        bool
	}{
		{"POST", prefix + "calltracking", false},
		{"GET", prefix + "health", false},
		{"POST", prefix, false},
		{"GET", "/", true},
		{"GET", "/mango/", true},
		{"POST", "/mango/wrong/calltracking", true},
		{"POST", "/mango/s3cr3t-Abc_9", true}, // no trailing slash: not under the prefix
		{"GET", "/favicon.ico", true},
		{"PUT", prefix + "calltracking", true},
		{"DELETE", prefix + "health", true},
		{"OPTIONS", prefix + "health", true},
		{"HEAD", prefix + "health", true},
	}
	for _, c := range cases {
		if got := blocked(t, p, c.path, c.method); got != c.block {
			t.Errorf("%s %s: blocked=%v, want %v", c.method, c.path, got, c.block)
		}
	}
}

func TestTrafficPolicyDefaultsAndRejects(t *testing.T) {
	text, err := TrafficPolicy("/mango/x/", nil)
	if err != nil {
		t.Fatalf("TrafficPolicy: %v", err)
	}
	if !strings.Contains(text, "['GET', 'POST']") {
		t.Fatalf("default methods are not GET and POST:\n%s", text)
	}
	for _, bad := range []string{"", "/", "mango/x/", "/mango/x", "/mango/x'||true||'/", "/mango//", "/mango/a b/"} {
		if _, err := TrafficPolicy(bad, nil); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
	if _, err := TrafficPolicy("/mango/x/", []string{"GET'"}); err == nil {
		t.Error("bad method accepted")
	}
}
