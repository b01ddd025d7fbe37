package e2e

// The installer against a running app (issue 21): an update over a running
// copy, an uninstall with the app running, and /DELETEDATA leaving nothing.
// Under Wine only (scripts/wine-test.sh), like windows_test.go.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mangotqm/app/secrets"
)

// winLayout is where the installer and the app put things in the prefix.
type winLayout struct {
	instDir, exe, uninstaller, dataDir, demoDir, link string
	fyneSettings, fyneCache                           string
}

func newWinLayout(t *testing.T) winLayout {
	t.Helper()
	local, roaming := winEnvDir(t, "LOCALAPPDATA"), winEnvDir(t, "APPDATA")
	inst := filepath.Join(local, "Programs", "mangotqm")
	return winLayout{
		instDir: inst, exe: filepath.Join(inst, "mangotqm.exe"), uninstaller: filepath.Join(inst, "uninstall.exe"),
		dataDir: filepath.Join(local, "mangotqm"), demoDir: filepath.Join(local, "mangotqm-demo"),
		link:         filepath.Join(roaming, "Microsoft", "Windows", "Start Menu", "Programs", "mangotqm.lnk"),
		fyneSettings: filepath.Join(roaming, "fyne", "ru.mangotqm.bridge"),
		fyneCache:    filepath.Join(local, "fyne", "ru.mangotqm.bridge"),
	}
}

func pathExists(p string) bool { _, err := os.Stat(p); return err == nil }

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// runWin runs a Windows program to its end with its output in a file: a
// setup.exe may start mangotqm.exe, which inherits the output handles, and
// a pipe would then stay open as long as the app runs.
func runWin(t *testing.T, what string, args ...string) string {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("MANGOTQM_E2E_WINE"), args...)
	// An English Windows: the installer must speak Russian all the same.
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8", "LC_ALL=en_US.UTF-8")
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	b, _ := os.ReadFile(out.Name())
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, b)
	}
	return string(b)
}

// mangotqmProcs lists the mangotqm.exe processes of this Wine prefix (Wine
// shows a process's Windows command line in /proc).
func mangotqmProcs(t *testing.T) []string {
	t.Helper()
	return wineProcs(t, "mangotqm.exe")
}

// uninstallerRunning: the NSIS uninstaller runs as a copy of itself in
// %TEMP% (NSIS 3: ~nsuA.tmp\Un_A.exe) that goes on after the program's files
// are gone (it removes the data folders after them).
func uninstallerRunning(t *testing.T) bool {
	t.Helper()
	return len(wineProcs(t, "~nsu"))+len(wineProcs(t, "un_a.exe"))+len(wineProcs(t, "au_.exe")) > 0
}

// wineProcs lists the processes of this test's Wine prefix whose command
// line holds name (lower case).
func wineProcs(t *testing.T, name string) []string {
	t.Helper()
	prefix := "WINEPREFIX=" + os.Getenv("WINEPREFIX")
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(strings.ToLower(string(cmdline)), name) {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append(env, 0), []byte(prefix+"\x00")) {
			continue
		}
		found = append(found, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return found
}

// logEvent is one line of mangotqm.log that main.go writes about the
// desktop app's life (quitWhenAsked).
type logEvent struct {
	Msg  string `json:"msg"`
	PID  int    `json:"pid"`
	Code *int   `json:"code"`
}

func desktopEvents(t *testing.T, dataDir string) []logEvent {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dataDir, "mangotqm.log"))
	var evs []logEvent
	for _, l := range strings.Split(string(b), "\n") {
		var e logEvent
		if json.Unmarshal([]byte(l), &e) == nil && (strings.HasPrefix(e.Msg, "desktop app") || strings.HasPrefix(e.Msg, "asked to quit")) {
			evs = append(evs, e)
		}
	}
	return evs
}

// desktopApp is mangotqm.exe started as from the Start menu or at login.
type desktopApp struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	out    string
}

func startDesktop(t *testing.T, l winLayout) *desktopApp {
	t.Helper()
	before := len(desktopEvents(t, l.dataDir))
	out := filepath.Join(t.TempDir(), "desktop.out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := &desktopApp{cmd: wine(l.exe), exited: make(chan struct{}), out: out}
	d.cmd.Stdout, d.cmd.Stderr = f, f
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() { _ = d.cmd.Process.Kill(); <-d.exited })
	waitFor(t, "the desktop app to start (its log line)", 2*time.Minute, func() bool {
		evs := desktopEvents(t, l.dataDir)
		return len(evs) > before && evs[len(evs)-1].Msg == "desktop app starting"
	})
	return d
}

func (d *desktopApp) output() string { b, _ := os.ReadFile(d.out); return string(b) }

// uninstallSilently runs uninstall.exe /S and waits for the copy it starts
// in %TEMP% to remove the program.
func uninstallSilently(t *testing.T, l winLayout, args ...string) {
	t.Helper()
	runWin(t, "uninstall", append([]string{l.uninstaller, "/S"}, args...)...)
	waitFor(t, "the uninstaller to remove the program and end", 3*time.Minute, func() bool {
		return !pathExists(l.exe) && !pathExists(l.uninstaller) && !pathExists(l.link) && !uninstallerRunning(t)
	})
}

// TestWindowsInstallerClosesTheRunningApp: setup over a running copy closes
// it gracefully (it logs the request and exits 0), replaces the exe and
// starts the new one; the database and its waiting call stay. The
// uninstaller, with the app running, closes it: no mangotqm process and no
// install folder remain, the data folder stays. With /DELETEDATA nothing of
// the app remains: data, demo data, Fyne's settings and cache, registry,
// and every mangotqm secret in Credential Manager (also one a later
// version might add), while another program's secret stays.
func TestWindowsInstallerClosesTheRunningApp(t *testing.T) {
	requireWine(t)
	setupA, setupB := os.Getenv("MANGOTQM_E2E_SETUP_OLD"), os.Getenv("MANGOTQM_E2E_SETUP")
	exeA, exeB := os.Getenv("MANGOTQM_E2E_EXE_OLD"), os.Getenv("MANGOTQM_E2E_EXE")
	if setupA == "" || exeA == "" || setupB == "" {
		t.Fatal("MANGOTQM_E2E_SETUP_OLD, MANGOTQM_E2E_EXE_OLD and MANGOTQM_E2E_SETUP are not set; scripts/wine-test.sh sets them")
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: scripts/wine-test.sh runs this under xvfb-run")
	}
	l := newWinLayout(t)
	if pathExists(l.uninstaller) {
		uninstallSilently(t, l, "/DELETEDATA")
	}
	if p := mangotqmProcs(t); len(p) > 0 {
		t.Fatalf("mangotqm already runs in the prefix: %v", p)
	}

	// Version A, with a call waiting in its database.
	runWin(t, "setup A /S", setupA, "/S")
	if fileSum(t, l.exe) != fileSum(t, exeA) {
		t.Fatal("setup A did not install exe A")
	}
	p := startServe(t, serveOpts{dataDir: l.dataDir, tqmURL: "http://127.0.0.1:9", env: secretsEnv()})
	if code, err := send(context.Background(), p.url, newWebhook("UPD-1", time.Now().Add(-time.Minute))); err != nil || code != 200 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	p.stop(t)
	if calls := listCalls(t, l.dataDir); len(calls) != 1 || calls[0].CallID != "UPD-1" {
		t.Fatalf("before the update the database holds %+v, want the call UPD-1", calls)
	}

	// A runs; B is installed over it.
	a := startDesktop(t, l)
	aPID := desktopEvents(t, l.dataDir)[len(desktopEvents(t, l.dataDir))-1].PID
	out := runWin(t, "setup B /S over a running A", setupB, "/S")
	select {
	case <-a.exited: // setup waits for A's end; a moment for Go to reap it
	case <-time.After(10 * time.Second):
		t.Fatalf("setup B returned while A still runs\nsetup: %s", out)
	}
	if a.err != nil {
		t.Errorf("A, asked to quit, ended with %v (want exit 0, a graceful quit)\n%s", a.err, a.output())
	}
	if fileSum(t, l.exe) != fileSum(t, exeB) {
		t.Fatal("after setup B the installed exe is not B's")
	}
	var asked, stopped bool
	var bPID int
	waitFor(t, "B to be started by setup", time.Minute, func() bool {
		asked, stopped, bPID = false, false, 0
		for _, e := range desktopEvents(t, l.dataDir) {
			switch {
			case e.Msg == "asked to quit: mangotqm is being updated or removed":
				asked = true
			case e.Msg == "desktop app stopped" && e.Code != nil && *e.Code == 0:
				stopped = true
			case e.Msg == "desktop app starting" && e.PID != aPID && stopped:
				bPID = e.PID
			}
		}
		return bPID != 0
	})
	if !asked {
		t.Error("A's log does not show the installer's quit request: it was not closed gracefully")
	}
	if procs := mangotqmProcs(t); len(procs) != 1 {
		t.Errorf("after the update %d mangotqm processes run, want B alone: %v", len(procs), procs)
	}
	if calls := listCalls(t, l.dataDir); len(calls) != 1 || calls[0].CallID != "UPD-1" {
		t.Fatalf("after the update the database holds %+v, want the call UPD-1 still", calls)
	}
	if v, _ := regQuery(`HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\mangotqm`, "DisplayVersion"); v != os.Getenv("MANGOTQM_E2E_VERSION") {
		t.Errorf("Apps lists version %q, want B's %q", v, os.Getenv("MANGOTQM_E2E_VERSION"))
	}
	if lang, _ := regQuery(`HKCU\Software\mangotqm`, "InstallerLanguage"); lang != "1049" {
		t.Errorf("the installer chose language %q under an English Wine, want Russian (1049)", lang)
	}

	// B runs (setup started it); uninstall: it is closed, the data stays.
	uninstallSilently(t, l)
	waitFor(t, "no mangotqm process after the uninstall", time.Minute, func() bool { return len(mangotqmProcs(t)) == 0 })
	if pathExists(l.instDir) {
		t.Errorf("the uninstaller left the install folder %s", l.instDir)
	}
	if calls := listCalls(t, l.dataDir); len(calls) != 1 {
		t.Fatalf("after uninstalling (data kept) the database holds %+v, want the call UPD-1", calls)
	}

	// Again, running, with secrets and Fyne's folders: /DELETEDATA.
	runWin(t, "setup B /S", setupB, "/S")
	startDesktop(t, l)
	for _, dir := range []string{l.fyneSettings, l.fyneCache, l.demoDir} {
		if !pathExists(dir) { // whatever the app writes there, it is removed
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "left.txt"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cred := newCredTool(t)
	later := secrets.Name("installer_test_later_secret") // a name a later version might add
	cred.set(t, secrets.TQMKey, "deletedata-test-key-1a2b3c")
	cred.set(t, later, "deletedata-test-later-4d5e")
	other := credTool{exe: cred.exe}
	other.run(t, "kept", "set", "othertool", "tqm_key")
	t.Cleanup(func() { other.run(t, "", "delete", "othertool", "tqm_key") })

	uninstallSilently(t, l, "/DELETEDATA")
	waitFor(t, "no mangotqm process after the uninstall", time.Minute, func() bool { return len(mangotqmProcs(t)) == 0 })
	for _, p := range []string{l.instDir, l.dataDir, l.demoDir, l.fyneSettings, l.fyneCache, l.link} {
		if pathExists(p) {
			t.Errorf("uninstall /DELETEDATA left %s", p)
		}
	}
	for _, k := range []struct{ key, name string }{
		{`HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, "mangotqm"},
		{`HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\mangotqm`, "DisplayName"},
		{`HKCU\Software\mangotqm`, "InstallDir"},
	} {
		if v, ok := regQuery(k.key, k.name); ok {
			t.Errorf("uninstall /DELETEDATA left %s\\%s = %q", k.key, k.name, v)
		}
	}
	for _, n := range []secrets.Name{secrets.TQMKey, later} {
		if _, ok := cred.get(t, n); ok {
			cred.delete(t, n)
			t.Errorf("uninstall /DELETEDATA left the secret %s in Credential Manager", n)
		}
	}
	if v, code := other.run(t, "", "get", "othertool", "tqm_key"); code != 0 || v != "kept" {
		t.Errorf("uninstall /DELETEDATA removed another program's secret (%q, %d)", v, code)
	}
}

// regQuery reads a REG_SZ value (or a REG_DWORD, as its decimal number).
func regQuery(key, name string) (string, bool) {
	out, err := wineOut("reg", "query", key, "/v", name)
	if err != nil {
		return "", false
	}
	for _, l := range strings.Split(out, "\n") {
		if _, v, ok := strings.Cut(l, "REG_SZ"); ok {
			return strings.TrimSpace(v), true
		}
		if _, v, ok := strings.Cut(l, "REG_DWORD"); ok {
			n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(v), "0x"), 16, 64)
			return fmt.Sprint(n), err == nil
		}
	}
	return "", false
}

// TestWindowsInstallerEndsACopyThatDoesNotQuit: a mangotqm that does not
// answer the quit request (an older release, or "serve" in a console, which
// does not watch it) still holds the exe; a silent setup then ends it
// (taskkill) instead of failing on a locked file, installs, and starts the
// desktop app in its place.
func TestWindowsInstallerEndsACopyThatDoesNotQuit(t *testing.T) {
	requireWine(t)
	setup := os.Getenv("MANGOTQM_E2E_SETUP")
	if setup == "" || os.Getenv("DISPLAY") == "" {
		t.Fatal("MANGOTQM_E2E_SETUP and DISPLAY are not set; scripts/wine-test.sh sets them")
	}
	l := newWinLayout(t)
	if pathExists(l.uninstaller) {
		uninstallSilently(t, l, "/DELETEDATA")
	}
	runWin(t, "setup /S", setup, "/S")
	t.Cleanup(func() {
		if pathExists(l.uninstaller) {
			uninstallSilently(t, l, "/DELETEDATA")
		}
	})

	exited := startInstalledServe(t, l)
	starts := len(desktopEvents(t, l.dataDir))

	runWin(t, "setup /S over a running serve", setup, "/S")
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("setup returned while the serve it had to end still runs")
	}
	if !pathExists(l.exe) {
		t.Fatal("setup over a running serve did not install the program")
	}
	waitFor(t, "setup to start the desktop app in its place", time.Minute, func() bool {
		evs := desktopEvents(t, l.dataDir)
		return len(evs) > starts && evs[len(evs)-1].Msg == "desktop app starting"
	})

	// With the dialog, over the desktop app (which quits when asked) and a
	// serve (which does not): setup asks, in Russian, before ending it.
	serve2 := startInstalledServe(t, l)
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
	ui.waitText(t, "Вас приветствует мастер установки mangotqm")
	ui.click(t, "1")
	ui.waitText(t, "Выберите компоненты mangotqm")
	ui.click(t, "1")
	ui.waitText(t, "Выберите папку для установки mangotqm")
	ui.click(t, "1")
	ui.waitText(t, "Программа mangotqm всё ещё работает")
	select {
	case <-serve2:
		t.Fatal("setup ended the serve before the user agreed")
	default:
	}
	ui.click(t, "1") // ОК: close it and go on
	ui.waitText(t, "Завершение работы мастера установки mangotqm")
	select {
	case <-serve2:
	case <-time.After(10 * time.Second):
		t.Fatal("the serve still runs after the user agreed to close it")
	}
	ui.click(t, "1") // Готово, with «Запустить mangotqm» ticked
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("setup with the dialog: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("setup did not end after «Готово»")
	}
}

// startInstalledServe runs the installed exe's serve on a folder of its own
// and returns a channel closed when it ends.
func startInstalledServe(t *testing.T, l winLayout) <-chan struct{} {
	t.Helper()
	out := filepath.Join(t.TempDir(), "serve.out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	serve := wine(l.exe, "serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--tunnel", "none",
		"--tqm-url", "http://127.0.0.1:9", "--secrets", "env")
	serve.Env = os.Environ()
	for k, v := range secretsEnv() {
		serve.Env = append(serve.Env, k+"="+v)
	}
	serve.Stdout, serve.Stderr = f, f
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = serve.Wait(); close(exited) }()
	t.Cleanup(func() { _ = serve.Process.Kill(); <-exited })
	waitFor(t, "the installed serve to be ready", time.Minute, func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "webhook-url: ")
	})
	return exited
}
