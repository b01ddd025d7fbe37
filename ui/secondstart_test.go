package ui

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
)

// TestSecondStartWithSavedSecrets is the office's every morning: the
// secrets were saved yesterday (here: in the real Secret Service of make
// test), the real binary starts under Xvfb, ngrok cannot be reached (there
// is no network), and the app must show its main window — not exit — and
// still be running with it a minute later, no wider than the screen.
func TestSecondStartWithSavedSecrets(t *testing.T) {
	if os.Getenv("MANGOTQM_KEYRING_TEST") != "1" || os.Getenv("DISPLAY") == "" {
		t.Skip("needs the real Secret Service and a display (make test)")
	}
	for _, tool := range []string{"xwininfo", "xwd", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (scripts/deps.sh installs x11-utils, x11-apps and imagemagick)", tool)
		}
	}
	ctx := context.Background()
	kc := &secrets.Keychain{}
	if err := kc.Available(ctx); err != nil {
		t.Fatalf("Secret Service: %v", err)
	}
	saved := map[secrets.Name]string{
		secrets.TQMKey:         "second-start-tqm-key-0123456789",
		secrets.NgrokAuthtoken: "2secondStartNgrokToken_0123456789abcdef",
	}
	for n, v := range saved {
		if err := kc.Set(ctx, n, v); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for n := range saved {
			_ = kc.Delete(context.Background(), n)
		}
		_ = kc.Delete(context.Background(), secrets.WebhookSecret)
	})

	out := os.Getenv("MANGOTQM_TEST_OUT")
	if out == "" {
		out = t.TempDir()
	}
	bin := filepath.Join(t.TempDir(), "mangotqm")
	if b, err := exec.Command("go", "build", "-tags", productTags, "-o", bin, "mangotqm").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "--data-dir", dir, "--lang", "ru")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()

	title := Tr{Lang: i18n.RU}.T("ui.app.title") // as the app renders it
	var width int
	deadline := time.Now().Add(60 * time.Second)
	for shown := false; ; {
		select {
		case err := <-exited:
			t.Fatalf("the app exited (%v) %s after start; it must keep running\n%s", err,
				time.Until(deadline)+60*time.Second, logs.String())
		case <-time.After(time.Second):
		}
		w, ok := windowWidth(t, title)
		if ok {
			shown, width = true, w
		}
		if time.Now().After(deadline) {
			if !shown {
				t.Fatalf("no window titled %q within 60 s\n%s", title, logs.String())
			}
			if !ok {
				t.Fatalf("the main window disappeared\n%s", logs.String())
			}
			break
		}
	}
	if width > 1366 {
		t.Errorf("the main window is %d px wide on a 1366 px screen", width)
	}
	shot := filepath.Join(out, "second-start-main-window.png")
	if b, err := exec.Command("sh", "-c", `xwd -root -silent | convert xwd:- png:"$0"`, shot).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, b)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := countColours(img); n < 8 {
		t.Fatalf("screenshot has %d colours: the window did not render", n)
	}
	for _, v := range saved {
		if strings.Contains(logs.String(), v) {
			t.Fatal("a secret reached the log")
		}
	}
	t.Logf("screenshot: %s", shot)
}

var reWidth = regexp.MustCompile(`(?m)^\s*0x[0-9a-f]+ "([^"]*)": .*?\s(\d+)x(\d+)\+`)

// windowWidth finds a mapped top-level window titled title.
func windowWidth(t *testing.T, title string) (int, bool) {
	t.Helper()
	b, err := exec.Command("xwininfo", "-root", "-tree").CombinedOutput()
	if err != nil {
		t.Fatalf("xwininfo: %v\n%s", err, b)
	}
	for _, m := range reWidth.FindAllStringSubmatch(string(b), -1) {
		if m[1] == title {
			w, _ := strconv.Atoi(m[2])
			return w, true
		}
	}
	return 0, false
}
