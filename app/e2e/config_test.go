package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
)

// TestServeUsesTheDesktopsConfiguration: the audio mode chosen in the
// desktop app (through the bridge both front ends share) is what a `serve`
// started later on the same data folder uses, without any flag for it.
func TestServeUsesTheDesktopsConfiguration(t *testing.T) {
	ctx := context.Background()
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	dir := t.TempDir()

	// The desktop: open the bridge on the folder and change the audio mode.
	b, err := bridge.Open(ctx, bridge.Options{DataDir: dir, Secrets: secrets.NewMemory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := b.Config()
	if cfg.Audio != config.AudioUpload {
		t.Fatalf("fresh folder has audio %q, want the default upload", cfg.Audio)
	}
	cfg.Audio = config.AudioPassthrough
	if err := b.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// serve on the same folder, with no --audio: with the default (upload)
	// this call would wait for a recording nobody can fetch; passthrough
	// sends the webhook's link as it is.
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(), extra: []string{"--rate", "50"}})
	defer p.stop(t)
	h := newWebhook("CFG-1", time.Now().Add(-time.Minute).Truncate(time.Second))
	if code, err := send(ctx, p.url, h); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	clocktest.Within(t, 20*time.Second, "the call at TQM by link", func() bool { return len(fake.Find("CFG-1")) == 1 })
	got := fake.Find("CFG-1")[0]
	if !strings.Contains(got.Fields["fileLink"], h.record) {
		t.Fatalf("TQM got fileLink %q, want the webhook's link %q", got.Fields["fileLink"], h.record)
	}
	if !strings.Contains(p.stderr.String(), `"audio":"passthrough"`) {
		t.Fatalf("serve did not log the stored audio mode:\n%s", p.stderr.String())
	}
}
