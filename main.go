// Command mangotqm bridges Mango Office call webhooks to T-Bank TQM.
//
//	mangotqm                 desktop app (window + tray)
//	mangotqm serve ...       the bridge without a window
//	mangotqm calls ...       list stored calls
//	mangotqm resend ...      re-queue calls
//
// main is only the composition root: it picks the front end, reads the
// desktop app's flags and sets up its log.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // Windows has no zone database: Europe/Moscow must work there too

	"mangotqm/app/applog"
	"mangotqm/app/cli"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/ui"
)

func main() {
	args := os.Args[1:]
	if cli.IsCommand(args) {
		os.Exit(cli.Main(args, os.Stdout, os.Stderr))
	}
	os.Exit(desktop(args, os.Stderr))
}

// desktop starts the desktop app and returns the exit code.
func desktop(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("mangotqm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "demo mode: sandbox TQM, simulated calls, no secrets")
	dataDir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	lang := fs.String("lang", "", "interface language: ru or en (default: the saved choice, else the system's)")
	fs.Usage = func() {
		fmt.Fprint(stderr, cli.Usage)
		fmt.Fprintln(stderr, "\nDesktop app flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mangotqm: unknown command %q\n\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *lang != "" && !i18n.Known(*lang) {
		fmt.Fprintf(stderr, "mangotqm: --lang must be ru or en, not %q\n", *lang)
		return 2
	}
	if !displayAvailable() {
		fmt.Fprintln(stderr, "mangotqm:", i18n.Both("ui.no_display", nil))
		return 1
	}
	dir := *dataDir
	if dir == "" {
		d, err := config.DefaultDataDir()
		if err != nil {
			fmt.Fprintln(stderr, "mangotqm:", err)
			return 1
		}
		dir = d
		if *demo {
			dir += "-demo"
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintln(stderr, "mangotqm:", err)
		return 1
	}
	red := secrets.NewRedactor()
	log, closer := applog.Open(dir, red)
	defer closer.Close()
	quitWhenAsked(log, cli.Version)
	keychain := &secrets.Keychain{}
	opts := ui.Options{
		DataDir:  dir,
		Demo:     *demo,
		Lang:     *lang,
		Version:  cli.Version,
		Logger:   log,
		Redactor: red,
		Secrets:  keychain,
		Open:     opener(*demo, dir, keychain, log),
	}
	tourOptions(&opts)
	code := ui.Run(opts)
	log.Info("desktop app stopped", "code", code)
	return code
}
