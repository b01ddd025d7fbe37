// Package ui is mangotqm's Fyne desktop interface: the first-run wizard, the
// main window with the live call log, the tray. It holds widgets only; what
// it shows comes from the view models in ui/vm over the bridge (app/bridge).
package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"

	"mangotqm/app/bridge"
	"mangotqm/app/clock"
	"mangotqm/app/instance"
	"mangotqm/app/secrets"
	"mangotqm/assets"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
)

// AppID is the Fyne application id (also in FyneApp.toml).
const AppID = "ru.mangotqm.bridge"

// Options come from the composition root (main).
type Options struct {
	DataDir string
	Demo    bool
	Lang    string // "" = the saved choice, else the system's
	Version string
	Logger  *slog.Logger
	// Redactor masks secrets in what the window shows (the logger shares it).
	Redactor *secrets.Redactor
	// Secrets is where the wizard keeps keys: the OS keychain. There is
	// deliberately no file fallback.
	Secrets secrets.Store
	// Open opens what the app runs on the data folder: the bridge, or the
	// demo (Demo). main chooses and builds it; the UI calls it once at
	// start and again after a restore or a salvage swapped the database.
	Open Opener
	// Screenshot (demo mode): simulate a call, save the window to this PNG
	// and quit (the screenshot test).
	Screenshot string
	// ScreenshotScenes limits the tour to these scenes (nil = all).
	ScreenshotScenes []string
	// Clock tells the window the time and times its waits (nil = the wall
	// clock).
	Clock clock.Clock
}

// Run starts the desktop app and returns the process exit code.
func Run(o Options) int {
	a := fyneapp.NewWithID(AppID)
	a.Settings().SetTheme(newReadableTheme(theme.DefaultTheme())) // theme.go: text at 4.5:1
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	settings := NewSettings(a.Preferences())
	l := o.Lang
	if l == "" {
		l = settings.Language()
	}
	if !i18n.Known(l) {
		l = i18n.FromEnv()
	}
	u := &UI{app: a, tr: Tr{Lang: l}, settings: settings, log: o.Logger, dataDir: o.DataDir, demo: o.Demo,
		open: o.Open, version: o.Version, redactor: o.Redactor, screenshot: o.Screenshot, scenes: o.ScreenshotScenes, keychain: o.Secrets,
		clock: o.Clock}
	lock, err := instance.Acquire(o.DataDir, func() { fyne.Do(u.showWindow) })
	if errors.Is(err, instance.ErrRunning) {
		fmt.Fprintln(os.Stderr, i18n.Both("ui.already_running", nil))
		return 0
	}
	if err != nil {
		u.log.Warn("single-instance check failed; continuing", "err", err)
	} else {
		defer lock.Release()
	}
	u.start()
	a.Run()
	u.shutdown()
	return u.exitCode
}

// Backend is what the desktop app runs: a bridge, or the demo (which also
// simulates calls). The composition root builds it.
type Backend = vm.Bridge

// Opener opens the Backend on the data folder; lang is the interface's
// language (the bridge's messages follow it).
type Opener func(ctx context.Context, lang string) (Backend, error)

// openBridge opens the app's backend with the opener main gave.
func (u *UI) openBridge(ctx context.Context) (Backend, error) {
	if u.open == nil {
		return nil, errors.New("ui: no backend to open (Options.Open)")
	}
	return u.open(ctx, u.tr.Lang)
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
	clock      clock.Clock // nil = the wall clock (tests build a UI without one); read it with clk

	keychain    secrets.Store
	open        Opener
	bridge      Backend
	main        *mainWindow
	tray        *tray
	finalWizard *wizard        // first run: shows the webhook URL once known
	settingsWin fyne.Window    // the last settings window opened (screenshots)
	roadWin     fyne.Window    // the last «Подключение» window opened (settings_road.go)
	roadTour    roadSettings   // its form and status (the screenshot tour)
	tourMapping *mappingEditor // the screenshot tour's mapping editor
	scenes      []string       // the tour's scenes to take (nil = all)

	// testQueue is set by tests only: Fyne's test driver runs fyne.Do on
	// the calling goroutine, so there UI updates from goroutines are queued
	// and applied by the test goroutine instead.
	testQueue chan func()
	// testTray, testQuit stand in for the tray host and Quit in tests
	// (wizard_close.go).
	testTray *bool
	testQuit func()
	// closeDialog is the last close explanation shown (tests, the tour).
	closeDialog dialog.Dialog
}

// clk is the UI's clock: Options.Clock, or the wall clock.
func (u *UI) clk() clock.Clock { return clock.Or(u.clock) }

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
		d, err := u.openBridge(context.Background())
		if err != nil {
			u.fatal(err)
			return
		}
		u.bridge = d
		u.run()
		return
	}
	w := u.app.NewWindow(u.tr.T("ui.app.title"))
	w.SetContent(progress(u.tr.T("ui.keychain.checking")))
	w.Resize(fyne.NewSize(560, 360))
	w.Show()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b, err := u.openBridge(ctx)
		if err != nil {
			fyne.Do(func() {
				w.Close()
				u.fatal(err)
			})
			return
		}
		if a, ok := u.keychain.(availability); ok {
			err = a.Available(ctx)
		}
		var missing []secrets.Name
		if err == nil {
			missing, err = u.missingSecrets(ctx)
		}
		fyne.Do(func() {
			u.bridge = b
			switch {
			case err != nil:
				w.SetContent(keychainProblem(u.tr, err))
			case len(missing) > 0:
				u.showWizard(w)
			default:
				// The main window opens before this one closes: Fyne quits
				// when its last window closes.
				u.startBridge()
				w.Close()
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

// startBridge shows the main window and starts the bridge: secrets from
// the keychain, the configuration from the data folder.
func (u *UI) startBridge() {
	ctx := context.Background()
	for _, n := range secrets.All {
		if v, err := u.keychain.Get(ctx, n); err == nil {
			u.redactor.Add(v)
		}
	}
	u.run()
}

// run shows the main window for the opened bridge and starts it; a tunnel
// that does not come up is retried every 30 s while the window shows why.
func (u *UI) run() {
	c := u.bridge
	u.main = newMainWindow(u, c)
	u.setupTray()
	// Started minimised: the tray icon only — where a tray host exists to
	// bring the window back, and never on the first run (its wizard shows).
	hidden := vm.StartHidden(u.settings.StartMinimized(), u.trayAvailable(), u.finalWizard == nil && !u.demo)
	if hidden {
		u.log.Info("started minimised to the tray")
	}
	// First run: the wizard's last page stays in front until the user
	// goes on to the main window.
	hidden = hidden || u.finalWizard != nil
	u.main.show(hidden)
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
			if attempt == 0 && errors.Is(err, bridge.ErrMissingSecret) {
				u.log.Error("cannot start", "err", err)
				fyne.Do(func() { u.main.showStartError(err) })
				return
			}
			u.log.Warn("tunnel not open; retrying in 30 s", "err", err)
			select {
			case <-u.clk().After(30 * time.Second):
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
	detail := u.redactor.Redact(err.Error())
	var held *instance.HeldError
	if errors.As(err, &held) {
		// Another bridge (mangotqm serve, say) works on this folder.
		detail = u.tr.T("ui.error.owner_held", map[string]any{"Dir": held.Dir, "PID": held.PID})
	}
	w := u.app.NewWindow(u.tr.T("ui.app.title"))
	w.SetContent(errorPane(u.tr, u.tr.T("ui.error.start"), detail, func() { u.app.Quit() }))
	w.Resize(fyne.NewSize(560, 300))
	if errors.Is(err, bridge.ErrDatabaseDamaged) && !u.demo { // ui/salvage.go
		w.SetContent(u.damagedPane(w, detail))
		w.Resize(fyne.NewSize(640, 420))
	}
	w.Show()
	u.exitCode = 1
}

// shutdown drains in-flight deliveries (the core waits at most 10 s).
func (u *UI) shutdown() {
	if u.main != nil {
		u.main.stop()
	}
	if u.bridge != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := u.bridge.Close(ctx); err != nil {
			u.log.Error("stop", "err", err)
		}
	}
}
