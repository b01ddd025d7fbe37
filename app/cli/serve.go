package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
)

type serveFlags struct {
	dataDir     string
	listen      string
	tunnel      string
	publicURL   string
	schedule    string
	secretsFrom string
	logLevel    string
	lang        string
}

// serve runs the bridge without a window. The settings shared with the
// desktop app (config.Flags) come from the data folder's database; a flag
// given on the command line overrides one for this run only.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f serveFlags
	def := config.Default()
	l := tr(langOf(args))
	fs := newFlags("serve", stderr)
	fs.StringVar(&f.dataDir, "data-dir", "", "data directory (default: the per-user data directory)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8787", "address to listen on with --tunnel none")
	fs.StringVar(&f.tunnel, "tunnel", "none", "how Mango's calls reach this machine: none (listen on --listen; with --public-url, your own address), ngrok, poll (no way in: fetch calls from Mango's statistics every --poll-every; needs the VPBX code and signing key) or saved (the road saved in the desktop app)")
	fs.StringVar(&f.publicURL, "public-url", "", "with --tunnel none: the public base URL that reaches --listen (reverse proxy)")
	fs.StringVar(&f.schedule, "retry-schedule", "", "advanced: comma-separated waits after failed tries (default 5s,5m,30m,2h,5h,10h,10h)")
	fs.StringVar(&f.secretsFrom, "secrets", "auto", "where secrets come from: env, keychain, or auto (environment first, then the keychain)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.lang, "lang", defaultLang(), "language of messages: ru or en")
	// Shared settings: the flag's default shown is the fresh-install one;
	// without the flag, what the data folder holds applies.
	fs.String("ngrok-domain", def.NgrokDomain, "with --tunnel ngrok: your ngrok dev domain, e.g. https://name.ngrok-free.dev (saved setting if not given)")
	fs.String("tqm-url", def.TQMURL, "TQM base URL (saved setting if not given)")
	fs.String("tqm-api", string(def.TQMAPI), "TQM import API: v2 (query parameters) or v1 (JSON body) (saved setting if not given)")
	fs.Float64("rate", def.Rate, "at most this many TQM requests per second, evenly spaced (saved setting if not given)")
	fs.String("audio", string(def.Audio), "how recordings reach TQM: upload (fetch the file, from Mango's VPBX API if needed, and upload it), link (by link when the webhook's link is public, else upload) or passthrough (hand the webhook's link to TQM as it is, without checking it) (saved setting if not given)")
	fs.String("sources", string(def.Sources), "where calls come from: calltracking, vpbx (Mango API connector events) or both (saved setting if not given)")
	fs.String("vpbx-url", def.VPBXURL, "Mango VPBX API base URL (saved setting if not given)")
	fs.String("reconcile-every", time.Duration(def.ReconcileEvery).String(), "how often to compare with Mango's call statistics; 0 turns it off (saved setting if not given)")
	fs.String("poll-every", time.Duration(def.Road.PollEvery).String(), "with --tunnel poll: how often to fetch calls from Mango's statistics, at least 30s (saved setting if not given)")
	for _, name := range config.RuleFlags {
		fs.String(name, def.Get(name), config.RuleFlagHelp[name])
	}
	alertFlags(fs, def.Alerts)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return l.usage("cli.err.unexpected_arg", map[string]any{"Arg": fs.Arg(0)})
	}
	switch bridge.TunnelKind(f.tunnel) {
	case bridge.TunnelNone, bridge.TunnelNgrok, bridge.TunnelPoll, bridge.TunnelSaved:
	default:
		return l.usage("cli.serve.bad_tunnel", map[string]any{"Value": f.tunnel})
	}
	if f.publicURL != "" {
		if err := config.CheckPublicURL(f.publicURL); err != nil {
			return usageError{fmt.Errorf("--public-url: %w", err)}
		}
	}
	if !i18n.Known(f.lang) {
		return l.usage("cli.err.bad_lang", map[string]any{"Value": f.lang})
	}
	override, err := configOverride(fs)
	if err != nil {
		return usageError{err}
	}
	if err := override(&def); err != nil {
		return usageError{err}
	}
	if err := def.Validate(); err != nil {
		return usageError{inLang(err, f.lang)}
	}
	var schedule []time.Duration
	if f.schedule != "" {
		for _, s := range strings.Split(f.schedule, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(s))
			if err != nil || d < 0 {
				return l.usage("cli.serve.bad_schedule", map[string]any{"Value": s})
			}
			schedule = append(schedule, d)
		}
	}
	if f.dataDir == "" {
		d, err := config.DefaultDataDir()
		if err != nil {
			return err
		}
		f.dataDir = d
	}

	store, err := secretSource(l, f.secretsFrom)
	if err != nil {
		return err
	}
	redactor, err := loadRedactor(ctx, store)
	if err != nil {
		return err
	}
	log := newLogger(stderr, f.logLevel, redactor)
	// Errors from here on may carry secret values in theory (they never
	// should); redact what reaches stderr too.
	err = runServe(ctx, f, override, schedule, store, redactor, log, stdout)
	if err != nil {
		return errors.New(redactor.Redact(ErrorText(f.lang, err)))
	}
	return nil
}

// configOverride turns the shared-setting flags given on the command line
// into a one-run override of the stored configuration.
func configOverride(fs *flag.FlagSet) (func(*config.Config) error, error) {
	given := map[string]string{}
	fs.Visit(func(fl *flag.Flag) {
		for _, name := range config.Flags {
			if fl.Name == name {
				given[name] = fl.Value.String()
			}
		}
	})
	return func(c *config.Config) error {
		for name, v := range given {
			if err := c.Set(name, v); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func runServe(ctx context.Context, f serveFlags, override func(*config.Config) error, schedule []time.Duration,
	store secrets.Store, redactor *secrets.Redactor, log *slog.Logger, stdout io.Writer) error {
	if _, err := store.Get(ctx, secrets.TQMKey); err != nil {
		return fmt.Errorf("%s: %w", i18n.T(f.lang, "cli.serve.no_tqm_key", map[string]any{"Var": secrets.EnvVar(secrets.TQMKey)}), err)
	}
	secret, err := secrets.EnsureWebhookSecret(ctx, store)
	if err != nil {
		return fmt.Errorf("%s: %w", i18n.T(f.lang, "cli.serve.no_webhook_secret", map[string]any{"Var": secrets.EnvVar(secrets.WebhookSecret)}), err)
	}
	redactor.Add(secret)
	if f.tunnel == string(bridge.TunnelNgrok) {
		if token, err := store.Get(ctx, secrets.NgrokAuthtoken); err != nil || strings.TrimSpace(token) == "" {
			return fmt.Errorf("%s (%s)", i18n.T(f.lang, "tunnel.ngrok.no_authtoken_env", nil), secrets.EnvVar(secrets.NgrokAuthtoken))
		}
	}
	if f.tunnel == string(bridge.TunnelPoll) {
		if _, err := bridge.VPBXCredentialSource(store)(ctx); err != nil {
			return fmt.Errorf("%s (%s, %s)", i18n.T(f.lang, "road.poll.needs_vpbx_env", nil),
				secrets.EnvVar(secrets.MangoVPBXKey), secrets.EnvVar(secrets.MangoVPBXSalt))
		}
	}
	b, err := bridge.Open(ctx, bridge.Options{
		DataDir:   f.dataDir,
		Secrets:   store,
		Override:  override,
		Tunnel:    bridge.TunnelKind(f.tunnel),
		Listen:    f.listen,
		PublicURL: f.publicURL,
		Lang:      f.lang,
		Server:    true,
		Version:   Version,
		Logger:    log,
		Schedule:  schedule,
	})
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err = b.Start(startCtx)
	cancel()
	if err != nil {
		_ = b.Close(context.Background())
		return err
	}
	cfg := b.Config()
	for _, e := range b.Endpoints() {
		if e.Name == bridge.PathVPBX && !cfg.Sources.VPBX() {
			continue
		}
		fmt.Fprintf(stdout, "webhook-url: %s\n", e.URL)
	}
	if b.Road() == bridge.TunnelPoll {
		fmt.Fprintf(stdout, "poll: calls are fetched from Mango's statistics every %s (no webhook address: nothing reaches this machine from outside)\n",
			time.Duration(cfg.Road.PollEvery))
	}
	if f.tunnel == string(bridge.TunnelNone) && f.publicURL == "" {
		log.Warn("the webhook URL is local to this machine: Mango cannot reach it. Use --tunnel ngrok, or --public-url with the address of a reverse proxy that forwards to --listen")
	}
	log.Info("bridge running", "data_dir", f.dataDir, "tunnel", f.tunnel, "tqm_url", cfg.TQMURL, "tqm_api", cfg.TQMAPI,
		"audio", cfg.Audio, "sources", cfg.Sources, "rate", cfg.Rate)
	<-ctx.Done()
	log.Info("stopping: no new webhooks; finishing what is in flight")
	closeCtx, cancelClose := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelClose()
	if err := b.Close(closeCtx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("stopped")
	return nil
}
