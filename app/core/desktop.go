package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"mangotqm/app/receiver"
	"mangotqm/app/secrets"
	"mangotqm/tunnel"
)

// DesktopConfig is what the desktop app chooses (non-secret settings).
type DesktopConfig struct {
	DataDir     string
	Secrets     secrets.Store
	NgrokDomain string // the account's dev domain, e.g. https://name.ngrok-free.dev
	TQMURL      string
	TQMAPI      string // v2 | v1
	Version     string
	Lang        string
	Audio       string // upload (default) | link
	Sources     string // calltracking (default) | vpbx | both
	Logger      *slog.Logger
}

// ErrMissingSecret: a secret the bridge needs is not in the keychain.
var ErrMissingSecret = errors.New("a required secret is missing")

// NewDesktop builds the bridge the way the desktop app runs it: secrets from
// the keychain, an ngrok tunnel to the account's dev domain, TQM by link.
func NewDesktop(ctx context.Context, cfg DesktopConfig) (*Core, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	for _, n := range []secrets.Name{secrets.TQMKey, secrets.NgrokAuthtoken} {
		if _, err := cfg.Secrets.Get(ctx, n); err != nil {
			return nil, fmt.Errorf("%s: %w (%w)", n, ErrMissingSecret, err)
		}
	}
	secret, err := secrets.EnsureWebhookSecret(ctx, cfg.Secrets)
	if err != nil {
		return nil, err
	}
	token, _ := cfg.Secrets.Get(ctx, secrets.NgrokAuthtoken)
	tun := tunnel.NewNgrok(tunnel.NgrokConfig{
		Authtoken:     token,
		URL:           strings.TrimSpace(cfg.NgrokDomain),
		WebhookPrefix: receiver.Prefix(secret),
		Version:       cfg.Version,
	}, cfg.Logger.With("part", "tunnel"))
	c := Config{
		DataDir: cfg.DataDir,
		Secrets: cfg.Secrets,
		Tunnel:  tun,
		TQM: TQMOptions{BaseURL: cfg.TQMURL, API: cfg.TQMAPI,
			Key:    func(ctx context.Context) (string, error) { return cfg.Secrets.Get(ctx, secrets.TQMKey) },
			Logger: cfg.Logger},
		Audio:         cfg.Audio,
		Sources:       cfg.Sources,
		Logger:        cfg.Logger,
		ProbeInterval: tunnelProbeInterval,
		Lang:          cfg.Lang,
	}
	return New(ctx, c)
}

// tunnelProbeInterval: every 15 minutes ≈ 2,900 requests a month of the
// ngrok free plan's 20,000.
const tunnelProbeInterval = 15 * 60 * 1e9
