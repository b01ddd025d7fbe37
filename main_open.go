package main

import (
	"context"
	"log/slog"

	"mangotqm/app/bridge"
	"mangotqm/app/cli"
	"mangotqm/app/demo"
	"mangotqm/app/secrets"
	"mangotqm/ui"
)

// opener is the desktop app's composition: the bridge on dir, reached by
// the road saved in Settings (ngrok by default), its keys in keychain — or,
// with --demo, the demo (a sandbox TQM, simulated calls, no secrets).
func opener(isDemo bool, dir string, keychain secrets.Store, log *slog.Logger) ui.Opener {
	if isDemo {
		return func(ctx context.Context, _ string) (ui.Backend, error) {
			d, err := demo.Open(ctx, dir, log)
			if err != nil {
				return nil, err
			}
			return d, nil
		}
	}
	return func(ctx context.Context, lang string) (ui.Backend, error) {
		b, err := bridge.Open(ctx, bridge.Options{DataDir: dir, Secrets: keychain, Tunnel: bridge.TunnelSaved,
			Listen: "127.0.0.1:0", Lang: lang, Version: cli.Version, Logger: log})
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}
