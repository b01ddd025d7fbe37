package ui

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tourScenes are the screenshots the tour must produce (screenshot.go).
var tourScenes = []string{"main-1-normal", "main-2-retry", "main-3-attention", "main-4-invalid", "main-5-failed",
	"details-failed", "details-mango-data", "details-mango-raw", "details-request", "resend-delivered-confirm",
	"mapping-editor", "settings-demo", "main-6-skipped-rule", "details-skipped-rule", "rules-page", "rules-page-error",
	"road-1-ngrok-refused", "road-2-own", "road-3-poll", "road-3s-silent-webhooks", "road-4-settings",
	"road-5-settings-own-refused",
	"wizard-0-intro", "wizard-1-step", "wizard-2-step", "wizard-2r-road", "wizard-3-step",
	"wizard-4-step", "wizard-6-waiting", "wizard-6r-refused", "wizard-7-url",
	"wizard-2e-vpbx-unreachable", "wizard-8-close", "keys-1-list", "keys-2-one-key", "keys-3-saved"}

// TestScreenshotTour starts the real binary in demo mode in a real window
// (Xvfb at 1366×768 under make test), lets it simulate each kind of call
// and open each screen, and photographs the display at every scene. The
// app checks at each scene that what it shows is there and that nothing
// it can measure is cut off; the test checks that every scene was taken
// and rendered.
func TestScreenshotTour(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("MANGOTQM_KEYRING_TEST") == "1" { // the full suite: a display is required
			t.Fatal("no DISPLAY: make test runs this under xvfb-run")
		}
		t.Skip("no DISPLAY (run under xvfb-run, as make test does)")
	}
	for _, tool := range []string{"xwd", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (scripts/deps.sh installs x11-apps and imagemagick)", tool)
		}
	}
	out := os.Getenv("MANGOTQM_TEST_OUT")
	if out == "" {
		out = t.TempDir()
	}
	dir := filepath.Join(out, "desktop")
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "mangotqm")
	build := exec.Command("go", "build", "-tags", productTags+",tour", "-o", bin, "mangotqm") // the app as released; the tour is behind the tag tour
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	cmd := exec.Command(bin, "--demo", "--data-dir", t.TempDir(), "--lang", "ru")
	cmd.Env = append(os.Environ(), "MANGOTQM_SCREENSHOT="+dir)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	done := make(chan struct{})
	go func() { exited <- cmd.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	}()

	taken := map[string]bool{}
	deadline := time.After(5 * time.Minute)
	for finished := false; !finished; {
		ready, _ := filepath.Glob(filepath.Join(dir, "*.ready"))
		for _, r := range ready {
			name := strings.TrimSuffix(filepath.Base(r), ".ready")
			if taken[name] {
				continue
			}
			shot := filepath.Join(dir, name+".png")
			if b, err := exec.Command("sh", "-c", `xwd -root -silent | convert xwd:- png:"$0"`, shot).CombinedOutput(); err != nil {
				t.Fatalf("screenshot %s: %v\n%s", name, err, b)
			}
			taken[name] = true
			_ = os.WriteFile(filepath.Join(dir, name+".taken"), nil, 0o644)
		}
		select {
		case err := <-exited:
			if e, _ := os.ReadFile(filepath.Join(dir, "tour.err")); len(e) > 0 {
				t.Fatalf("the tour failed: %s\n%s", e, logs.String())
			}
			if err != nil {
				t.Fatalf("the app exited with %v\n%s", err, logs.String())
			}
			finished = true
		case <-deadline:
			t.Fatalf("the tour did not finish; taken %v\n%s", taken, logs.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tour.done")); err != nil {
		t.Fatalf("the app quit before the end of the tour\n%s", logs.String())
	}
	for _, name := range tourScenes {
		if !taken[name] {
			t.Errorf("no screenshot of %s", name)
			continue
		}
		if n := colours(t, filepath.Join(dir, name+".png")); n < 8 {
			t.Errorf("%s has %d colours: the window did not render", name, n)
		}
		for _, f := range []string{".ready", ".taken"} {
			_ = os.Remove(filepath.Join(dir, name+f))
		}
	}
	// What the window showed is Russian: no i18n key leaked into it.
	for _, name := range tourScenes {
		b, _ := os.ReadFile(filepath.Join(dir, name+".txt"))
		if leakedKey.Match(b) {
			t.Errorf("%s shows an untranslated key:\n%s", name, b)
		}
	}
	t.Logf("screenshots: %s", dir)
}

var leakedKey = regexp.MustCompile(`\b(ui|road)\.[a-z_]+\.`)

func colours(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	return countColours(img)
}

func countColours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}
