package ui

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScreenshotDemo starts the real binary in demo mode in a real window
// (Xvfb under make test), simulates a call, waits until the window's table
// shows it delivered, photographs the display and checks the picture.
func TestScreenshotDemo(t *testing.T) {
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
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "mangotqm")
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, "mangotqm")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	shot := filepath.Join(out, "demo-main-window.png")
	for _, f := range []string{shot, shot + ".txt", shot + ".taken", shot + ".err"} {
		_ = os.Remove(f)
	}
	cmd := exec.Command(bin, "--demo", "--data-dir", t.TempDir(), "--lang", "ru")
	cmd.Env = append(os.Environ(), "MANGOTQM_SCREENSHOT="+shot)
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
	deadline := time.After(90 * time.Second)
	for {
		if _, err := os.Stat(shot + ".txt"); err == nil {
			break
		}
		select {
		case err := <-exited:
			e, _ := os.ReadFile(shot + ".err")
			t.Fatalf("the app exited (%v) before showing the call: %s\n%s", err, e, logs.String())
		case <-deadline:
			t.Fatalf("the window never showed the simulated call as delivered\n%s", logs.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	xwd := exec.Command("sh", "-c", `xwd -root -silent | convert xwd:- png:"$0"`, shot)
	if b, err := xwd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, b)
	}
	_ = os.WriteFile(shot+".taken", nil, 0o644)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the app exited with %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not quit after the screenshot")
	}

	dump, _ := os.ReadFile(shot + ".txt")
	lines := strings.Split(string(dump), "\n")
	caller := strings.TrimPrefix(lines[0], "caller: ")
	delivered := strings.TrimPrefix(lines[1], "delivered: ")
	cells := string(dump[strings.Index(string(dump), "cells:"):])
	if caller == "" || !strings.Contains(cells, caller) || !strings.Contains(cells, delivered) {
		t.Fatalf("the rendered table does not show the call:\n%s", dump)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if n := colours(img); n < 8 {
		t.Fatalf("screenshot has %d colours: the window did not render", n)
	}
	t.Logf("screenshot: %s", shot)
}

func colours(img image.Image) int {
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
