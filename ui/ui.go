// Package ui is mangotqm's Fyne desktop interface: the first-run wizard, the
// main window with the live call log, the tray. It holds widgets only; what
// it shows comes from the view models in ui/vm over the core in app/core.
package ui

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"mangotqm/app/core"
	"mangotqm/app/instance"
	"mangotqm/app/secrets"
	"mangotqm/assets"
	"mangotqm/assets/i18n"
)

// AppID is the Fyne application id (also in FyneApp.toml).
const AppID = "ru.mangotqm.bridge"

// Params come from main.
type Params struct {
	Version string
	// Secrets is where the wizard keeps keys; nil = the OS keychain
	// (secrets.Keychain). There is deliberately no file fallback.
	Secrets secrets.Store
}

// Main starts the desktop app and returns the process exit code.
func Main(args []string, p Params) int {
	fs := flag.NewFlagSet("mangotqm", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "demo mode: sandbox TQM, simulated calls, no secrets")
	dataDir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	lang := fs.String("lang", "", "interface language: ru or en (default: from the system)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	dir := *dataDir
	if dir == "" {
		d, err := core.DefaultDataDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "mangotqm:", err)
			return 1
		}
		dir = d
		if *demo {
			dir += "-demo"
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "mangotqm:", err)
		return 1
	}

	a := fyneapp.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	settings := NewSettings(a.Preferences())
	l := *lang
	if l == "" {
		l = settings.Language()
	}
	if l == "" {
		l = i18n.FromEnv()
	}
	red := secrets.NewRedactor()
	logFile, log := openLog(dir, red)
	if logFile != nil {
		defer logFile.Close()
	}

	u := &UI{app: a, tr: Tr{Lang: l}, settings: settings, log: log, dataDir: dir, demo: *demo,
		version: p.Version, redactor: red, screenshot: os.Getenv("MANGOTQM_SCREENSHOT"), keychain: p.Secrets}
	if u.keychain == nil {
		u.keychain = &secrets.Keychain{}
	}
	lock, err := instance.Acquire(dir, func() { fyne.Do(u.showWindow) })
	if errors.Is(err, instance.ErrRunning) {
		fmt.Fprintln(os.Stderr, i18n.Both("ui.already_running", nil))
		return 0
	}
	if err != nil {
		log.Warn("single-instance check failed; continuing", "err", err)
	} else {
		defer lock.Release()
	}
	u.start()
	a.Run()
	u.shutdown()
	return u.exitCode
}

func openLog(dir string, red *secrets.Redactor) (io.Closer, *slog.Logger) {
	f, err := os.OpenFile(filepath.Join(dir, "mangotqm.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	var w io.Writer = os.Stderr
	if err == nil {
		w = io.MultiWriter(os.Stderr, f)
	}
	log := slog.New(secrets.RedactHandler(slog.NewJSONHandler(w, nil), red))
	if err != nil {
		return nil, log
	}
	return f, log
}

// UI is the running desktop app.
type UI struct {
	app        fyne.App
	tr         Tr
	settings   *Settings
	log        *slog.Logger
	dataDir    string
	demo       bool
	version    string
	redactor   *secrets.Redactor
	screenshot string
	exitCode   int

	keychain    secrets.Store
	core        *core.Core
	main        *mainWindow
	tray        *tray
	finalWizard *wizard // first run: shows the webhook URL once known

	// testQueue is set by tests only: Fyne's test driver runs fyne.Do on
	// the calling goroutine, so there UI updates from goroutines are queued
	// and applied by the test goroutine instead.
	testQueue chan func()
}

// onUI runs f on the UI goroutine (fyne.Do); see testQueue.
func (u *UI) onUI(f func()) {
	if u.testQueue != nil {
		u.testQueue <- f
		return
	}
	fyne.Do(f)
}

// availability is implemented by secret stores that can say up front
// whether they work (secrets.Keychain).
type availability interface {
	Available(ctx context.Context) error
}

func (u *UI) start() {
	if u.demo {
		c, err := core.NewDemo(context.Background(), u.dataDir, u.log)
		if err != nil {
			u.fatal(err)
			return
		}
		u.run(c)
		return
	}
	w := u.app.NewWindow(u.tr.T("ui.app.title"))
	w.SetContent(progress(u.tr.T("ui.keychain.checking")))
	w.Resize(fyne.NewSize(560, 360))
	w.Show()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		if a, ok := u.keychain.(availability); ok {
			err = a.Available(ctx)
		}
		var missing []secrets.Name
		if err == nil {
			missing, err = u.missingSecrets(ctx)
		}
		fyne.Do(func() {
			switch {
			case err != nil:
				w.SetContent(keychainProblem(u.tr, err))
			case len(missing) > 0:
				u.showWizard(w)
			default:
				w.Close()
				u.startBridge()
			}
		})
	}()
}

// missingSecrets lists the required secrets not stored yet; any error other
// than "not found" means the keychain itself is the problem.
func (u *UI) missingSecrets(ctx context.Context) ([]secrets.Name, error) {
	var out []secrets.Name
	for _, n := range []secrets.Name{secrets.TQMKey, secrets.NgrokAuthtoken} {
		v, err := u.keychain.Get(ctx, n)
		switch {
		case errors.Is(err, secrets.ErrNotFound):
			out = append(out, n)
		case err != nil:
			return nil, err
		default:
			u.redactor.Add(v)
		}
	}
	return out, nil
}

// startBridge builds the real bridge from the keychain and settings.
func (u *UI) startBridge() {
	go func() {
		ctx := context.Background()
		for _, n := range secrets.All {
			if v, err := u.keychain.Get(ctx, n); err == nil {
				u.redactor.Add(v)
			}
		}
		c, err := core.NewDesktop(ctx, core.DesktopConfig{DataDir: u.dataDir, Secrets: u.keychain,
			NgrokDomain: u.settings.NgrokDomain(), TQMURL: u.settings.TQMURL(), TQMAPI: u.settings.TQMAPI(),
			Sources: u.settings.Sources(), Audio: u.settings.Audio(),
			Version: u.version, Lang: u.tr.Lang, Logger: u.log})
		fyne.Do(func() {
			if err != nil {
				u.fatal(err)
				return
			}
			u.run(c)
		})
	}()
}

// run shows the main window for a built core and starts it; a tunnel that
// does not come up is retried every 30 s while the window shows why.
func (u *UI) run(c *core.Core) {
	u.core = c
	u.main = newMainWindow(u, c)
	u.setupTray()
	u.main.show()
	go func() {
		for attempt := 0; ; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			var err error
			if attempt == 0 {
				err = c.Start(ctx)
			} else {
				err = c.OpenTunnel(ctx)
			}
			cancel()
			if err == nil {
				fyne.Do(u.main.refreshHeader)
				return
			}
			u.log.Warn("tunnel not open; retrying in 30 s", "err", err)
			select {
			case <-time.After(30 * time.Second):
			case <-u.main.closed:
				return
			}
		}
	}()
	if u.screenshot != "" && u.demo {
		go u.takeScreenshot()
	}
}

func (u *UI) showWindow() {
	if u.main != nil {
		u.main.w.Show()
		u.main.w.RequestFocus()
	}
}

func (u *UI) fatal(err error) {
	u.log.Error("cannot start", "err", err)
	w := u.app.NewWindow(u.tr.T("ui.app.title"))
	w.SetContent(errorPane(u.tr, u.tr.T("ui.error.start"), u.redactor.Redact(err.Error()), func() { u.app.Quit() }))
	w.Resize(fyne.NewSize(560, 300))
	w.Show()
	u.exitCode = 1
}

// shutdown drains in-flight deliveries (the core waits at most 10 s).
func (u *UI) shutdown() {
	if u.main != nil {
		u.main.stop()
	}
	if u.core != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := u.core.Close(ctx); err != nil {
			u.log.Error("stop", "err", err)
		}
	}
}
