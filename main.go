// Command mangotqm bridges Mango Office call webhooks to T-Bank TQM.
//
//	mangotqm                 desktop app (window + tray)
//	mangotqm serve ...       the bridge without a window
//	mangotqm calls ...       list stored calls
//	mangotqm resend ...      re-queue calls
//
// main is only the composition root: it picks the front end.
package main

import (
	"os"

	"mangotqm/app/cli"
	"mangotqm/ui"
)

func main() {
	args := os.Args[1:]
	if cli.IsCommand(args) {
		os.Exit(cli.Main(args, os.Stdout, os.Stderr))
	}
	os.Exit(ui.Main(args, ui.Params{Version: cli.Version}))
}
