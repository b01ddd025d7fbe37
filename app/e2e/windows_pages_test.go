package e2e

// The installer's dialogs under Wine, read through app/e2e/winui: Russian on
// an English Windows, the real size instead of «0.0 Кбайт», the product's
// picture on the welcome page.

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
)

// winUI builds app/e2e/winui for Windows.
type winUI struct{ exe string }

func newWinUI(t *testing.T) winUI {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "winui.exe")
	build := exec.Command("go", "build", "-o", exe, "mangotqm/app/e2e/winui")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build winui.exe: %v\n%s", err, out)
	}
	return winUI{exe: exe}
}

// uiControl is one line of "winui dump".
type uiControl struct {
	class, id, text string
	r               image.Rectangle
}

// wineOut runs a Windows program and returns its standard output (and
// error), through files: a pipe would stay open as long as any process that
// inherited it runs (Wine starts its services.exe, explorer.exe … from the
// program that first needs them).
func wineOut(args ...string) (string, error) {
	out, _, err := wineRun("", args...)
	return out, err
}

func wineRun(stdin string, args ...string) (stdout, stderr string, err error) {
	// A wine that meets the Wine server on its way out fails before the
	// program starts and says so in this line; scripts/wine-test.sh keeps the
	// server up (packaging/wine/hold.c), this is the second line of defence.
	for attempt := 1; ; attempt++ {
		stdout, stderr, err = wineRunOnce(stdin, args...)
		if err == nil || attempt == 3 || !strings.Contains(stderr, "wine client error") {
			return stdout, stderr, err
		}
	}
}

func wineRunOnce(stdin string, args ...string) (stdout, stderr string, err error) {
	dir, err := os.MkdirTemp("", "mangotqm-wine-out-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(dir)
	o, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		return "", "", err
	}
	defer o.Close()
	e, err := os.Create(filepath.Join(dir, "err"))
	if err != nil {
		return "", "", err
	}
	defer e.Close()
	cmd := wine(args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = o, e
	err = cmd.Run()
	ob, _ := os.ReadFile(o.Name())
	eb, _ := os.ReadFile(e.Name())
	return string(ob), string(eb), err
}

// dump lists the controls of the visible windows titled "…mangotqm…".
func (w winUI) dump() []uiControl {
	out, err := wineOut(w.exe, "dump", "mangotqm")
	if err != nil {
		return nil
	}
	var cs []uiControl
	for _, l := range strings.Split(strings.ReplaceAll(string(out), "\r", ""), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			continue
		}
		var n [4]int
		for i, s := range strings.Split(f[3], ",") {
			if i < 4 {
				n[i], _ = strconv.Atoi(s)
			}
		}
		cs = append(cs, uiControl{class: f[0], id: f[1], text: f[2], r: image.Rect(n[0], n[1], n[2], n[3])})
	}
	return cs
}

// waitText waits for a control whose text contains s and returns it.
func (w winUI) waitText(t *testing.T, s string) uiControl {
	t.Helper()
	var found uiControl
	clocktest.Within(t, time.Minute, "the installer to show «"+s+"»", func() bool {
		for _, c := range w.dump() {
			if strings.Contains(c.text, s) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// click presses the button with this control id (1 next, 2 cancel, 6 yes).
func (w winUI) click(t *testing.T, id string) {
	t.Helper()
	if out, err := wineOut(w.exe, "click", "mangotqm", id); err != nil {
		t.Fatalf("winui click %s: %v\n%s", id, err, out)
	}
}

var sizeRE = regexp.MustCompile(`(\d+)\.(\d) (Кбайт|Мбайт|Гбайт)`)

// sizeMB reads "… 61.3 Мбайт" as megabytes.
func sizeMB(t *testing.T, text string) float64 {
	t.Helper()
	m := sizeRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no size in %q", text)
	}
	v, _ := strconv.ParseFloat(m[1]+"."+m[2], 64)
	switch m[3] {
	case "Кбайт":
		v /= 1024
	case "Гбайт":
		v *= 1024
	}
	return v
}

func screenshot(t *testing.T, name string) image.Image {
	t.Helper()
	out := os.Getenv("MANGOTQM_TEST_OUT")
	if out == "" {
		out = t.TempDir()
	}
	shot := filepath.Join(out, name)
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
	t.Logf("screenshot: %s", shot)
	return img
}

// TestWindowsInstallerPages walks the installer's dialog on an English
// Windows: the language dialog offers Russian first, the pages are Russian,
// the welcome page shows the product's orange picture (not NSIS's blue
// default), the directory page needs about the size of mangotqm.exe, and
// the uninstaller's components page says how much it frees instead of
// «Требуется на диске: 0.0 Кбайт». Screenshots: windows-setup-welcome.png,
// windows-uninstall-components.png.
func TestWindowsInstallerPages(t *testing.T) {
	requireWine(t)
	setup := os.Getenv("MANGOTQM_E2E_SETUP")
	if setup == "" || os.Getenv("DISPLAY") == "" {
		t.Fatal("MANGOTQM_E2E_SETUP and DISPLAY are not set; scripts/wine-test.sh sets them")
	}
	st, err := os.Stat(os.Getenv("MANGOTQM_E2E_EXE"))
	if err != nil {
		t.Fatal(err)
	}
	exeMB := float64(st.Size()) / (1 << 20)
	l := newWinLayout(t)
	if pathExists(l.uninstaller) {
		uninstallSilently(t, l, "/DELETEDATA")
	}
	ui := newWinUI(t)

	cmd := wine(setup)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8", "LC_ALL=en_US.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
		}
	})

	ui.waitText(t, "Язык установки / Installer language")
	ui.click(t, "1")
	ui.waitText(t, "Вас приветствует мастер установки mangotqm")
	img := screenshot(t, "windows-setup-welcome.png")
	var picture *uiControl
	for _, c := range ui.dump() {
		if c.class == "Static" && c.text == "" && c.r.Dy() > 250 && c.r.Dx() > 120 && c.r.Dx() < 260 {
			picture = &c
			break
		}
	}
	if picture == nil {
		t.Fatal("the welcome page has no picture")
	}
	var r, b, n int
	for y := picture.r.Min.Y; y < picture.r.Max.Y; y += 2 {
		for x := picture.r.Min.X; x < picture.r.Max.X; x += 2 {
			cr, _, cb, _ := img.At(x, y).RGBA()
			r, b, n = r+int(cr>>8), b+int(cb>>8), n+1
		}
	}
	if r, b = r/n, b/n; r < b+50 {
		t.Errorf("the welcome picture is not the product's orange one: mean red %d, blue %d", r, b)
	}

	ui.click(t, "1")
	ui.waitText(t, "Выберите компоненты mangotqm")
	ui.click(t, "1")
	ui.waitText(t, "Выберите папку для установки mangotqm")
	need := sizeMB(t, ui.waitText(t, "Требуется на диске:").text)
	if need < 0.9*exeMB || need > 1.2*exeMB {
		t.Errorf("the directory page needs %.1f MB, mangotqm.exe is %.1f MB", need, exeMB)
	}
	ui.click(t, "2")
	ui.waitText(t, "отменить установку")
	ui.click(t, "6")
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("setup did not end after «Отмена»")
	}
	if pathExists(l.exe) {
		t.Fatal("a cancelled setup installed the program")
	}

	runWin(t, "setup /S", setup, "/S")
	runWin(t, "uninstall.exe", l.uninstaller) // it starts its copy in %TEMP% and returns
	ui.waitText(t, "Удаление mangotqm из компьютера")
	ui.click(t, "1")
	freed := ui.waitText(t, "Освободится на диске:")
	screenshot(t, "windows-uninstall-components.png")
	if mb := sizeMB(t, freed.text); mb < 0.9*exeMB {
		t.Errorf("the uninstaller says it frees %.1f MB, mangotqm.exe alone is %.1f MB", mb, exeMB)
	}
	for _, c := range ui.dump() {
		if strings.Contains(c.text, "0.0 Кбайт") {
			t.Errorf("the uninstaller still shows %q", c.text)
		}
	}
	ui.click(t, "2")
	clocktest.Within(t, time.Minute, "the uninstaller to close", func() bool { return len(ui.dump()) == 0 })
	if !pathExists(l.exe) {
		t.Fatal("a cancelled uninstall removed the program")
	}
	uninstallSilently(t, l, "/DELETEDATA")
}
