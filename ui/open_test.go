package ui

import (
	"context"

	"mangotqm/app/bridge"
)

// loopbackOpener is the tests' composition root: a real bridge on u's data
// folder, reached on loopback only (no tunnel).
func loopbackOpener(u *UI) Opener {
	return func(ctx context.Context, lang string) (Backend, error) {
		b, err := bridge.Open(ctx, bridge.Options{DataDir: u.dataDir, Secrets: u.keychain, Tunnel: bridge.TunnelNone,
			Listen: "127.0.0.1:0", Lang: lang, Version: u.version, Logger: u.log})
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}
