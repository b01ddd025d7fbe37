package tunnel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// TestNgrokOnline opens a real tunnel. It runs only with
// MANGOTQM_NGROK_ONLINE=1 and MANGOTQM_NGROK_AUTHTOKEN set (and, optionally,
// MANGOTQM_NGROK_URL = the account's dev domain).
func TestNgrokOnline(t *testing.T) {
	token := os.Getenv("MANGOTQM_NGROK_AUTHTOKEN")
	if os.Getenv("MANGOTQM_NGROK_ONLINE") != "1" || token == "" {
		t.Skip("set MANGOTQM_NGROK_ONLINE=1 and MANGOTQM_NGROK_AUTHTOKEN to run against ngrok")
	}
	secretBytes := make([]byte, 12)
	_, _ = rand.Read(secretBytes)
	prefix := "/mango/" + hex.EncodeToString(secretBytes) + "/"

	n := NewNgrok(NgrokConfig{
		Authtoken:     token,
		URL:           os.Getenv("MANGOTQM_NGROK_URL"),
		WebhookPrefix: prefix,
		StartTimeout:  30 * time.Second,
		Version:       "test",
	}, nil)
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ln, base, err := n.Start(ctx)
	if err != nil {
		code, key := Explain(err)
		t.Fatalf("Start: %v (code %q, message %s)", err, code, key)
	}

	var mu sync.Mutex
	var seen []string
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.URL.Path)
			mu.Unlock()
			_, _ = io.WriteString(w, "ok")
		})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	client := &http.Client{Timeout: 20 * time.Second}
	get := func(path string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		req.Header.Set("ngrok-skip-browser-warning", "1")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}

	if code := get(prefix + "health"); code != http.StatusOK {
		t.Fatalf("health through the tunnel: HTTP %d", code)
	}
	// The Traffic Policy answers other paths at ngrok's edge.
	if code := get("/not-the-prefix"); code != http.StatusNotFound {
		t.Fatalf("foreign path: HTTP %d, want 404 from the policy", code)
	}
	mu.Lock()
	got := append([]string(nil), seen...)
	mu.Unlock()
	if len(got) != 1 || got[0] != "GET "+prefix+"health" {
		t.Fatalf("requests that reached the handler: %v, want only the health GET", got)
	}

	// The self-probe agrees.
	p := NewProber(ProberConfig{HealthURL: base + prefix + "health", Failures: 1}, nil, nil)
	if err := p.Probe(ctx); err != nil {
		t.Fatalf("self-probe: %v", err)
	}
}
