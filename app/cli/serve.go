package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"mangotqm/app/core"
	"mangotqm/app/receiver"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/tunnel"
)

type serveFlags struct {
	dataDir     string
	listen      string
	tunnel      string
	publicURL   string
	ngrokDomain string
	tqmURL      string
	tqmAPI      string
	rate        float64
	schedule    string
	secretsFrom string
	logLevel    string
	audio       string
	sources     string
	vpbxURL     string
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f serveFlags
	fs := newFlags("serve", stderr)
	fs.StringVar(&f.dataDir, "data-dir", "", "data directory (default: the per-user data directory)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8787", "address to listen on with --tunnel none")
	fs.StringVar(&f.tunnel, "tunnel", "none", "how Mango reaches this machine: none (listen locally) or ngrok")
	fs.StringVar(&f.publicURL, "public-url", "", "with --tunnel none: the public base URL that reaches --listen (reverse proxy)")
	fs.StringVar(&f.ngrokDomain, "ngrok-domain", "", "with --tunnel ngrok: your ngrok dev domain, e.g. https://name.ngrok-free.dev")
	fs.StringVar(&f.tqmURL, "tqm-url", core.DefaultTQMURL, "TQM base URL")
	fs.StringVar(&f.tqmAPI, "tqm-api", "v2", "TQM import API: v2 (query parameters) or v1 (JSON body)")
	fs.Float64Var(&f.rate, "rate", 5, "at most this many TQM requests per second, evenly spaced")
	fs.StringVar(&f.schedule, "retry-schedule", "", "advanced: comma-separated waits after failed tries (default 5s,5m,30m,2h,5h,10h,10h)")
	fs.StringVar(&f.secretsFrom, "secrets", "auto", "where secrets come from: env, keychain, or auto (environment first, then the keychain)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.audio, "audio", core.AudioUpload, "how recordings reach TQM: upload (fetch the file, from Mango's VPBX API if needed, and upload it), link (by link when the webhook's link is public, else upload) or passthrough (pass the webhook's link unchecked, as the Albato bundle did)")
	fs.StringVar(&f.sources, "sources", core.SourcesCalltracking, "where calls come from: calltracking, vpbx (Mango API connector events) or both")
	fs.StringVar(&f.vpbxURL, "vpbx-url", core.DefaultVPBXURL, "Mango VPBX API base URL")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if f.tqmAPI != "v1" && f.tqmAPI != "v2" {
		return usageError{fmt.Errorf("--tqm-api must be v1 or v2, not %q", f.tqmAPI)}
	}
	if f.tunnel != "none" && f.tunnel != "ngrok" {
		return usageError{fmt.Errorf("--tunnel must be none or ngrok, not %q", f.tunnel)}
	}
	if f.audio != core.AudioUpload && f.audio != core.AudioLink && f.audio != core.AudioPassthrough {
		return usageError{fmt.Errorf("--audio must be upload, link or passthrough, not %q", f.audio)}
	}
	if f.rate <= 0 {
		return usageError{errors.New("--rate must be above 0")}
	}
	var schedule []time.Duration
	if f.schedule != "" {
		for _, s := range strings.Split(f.schedule, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(s))
			if err != nil || d < 0 {
				return usageError{fmt.Errorf("--retry-schedule: %q is not a duration", s)}
			}
			schedule = append(schedule, d)
		}
	}
	if f.dataDir == "" {
		d, err := core.DefaultDataDir()
		if err != nil {
			return err
		}
		f.dataDir = d
	}

	store, err := secretSource(f.secretsFrom)
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
	err = runServe(ctx, f, schedule, store, redactor, log, stdout)
	if err != nil {
		return errors.New(redactor.Redact(err.Error()))
	}
	return nil
}

func runServe(ctx context.Context, f serveFlags, schedule []time.Duration, store secrets.Store,
	redactor *secrets.Redactor, log *slog.Logger, stdout io.Writer) error {
	if _, err := store.Get(ctx, secrets.TQMKey); err != nil {
		return fmt.Errorf("the TQM access key is not available (%w): set %s or save it in the desktop app",
			err, secrets.EnvVar(secrets.TQMKey))
	}
	secret, err := secrets.EnsureWebhookSecret(ctx, store)
	if err != nil {
		return fmt.Errorf("webhook secret: %w (set %s to a long random value)", err, secrets.EnvVar(secrets.WebhookSecret))
	}
	redactor.Add(secret)

	tun, err := buildTunnel(ctx, f, store, secret, log)
	if err != nil {
		return err
	}
	probe := time.Duration(0)
	if f.tunnel == "ngrok" {
		probe = 15 * time.Minute
	}
	cfg := core.Config{
		DataDir: f.dataDir,
		Secrets: store,
		Tunnel:  tun,
		TQM: core.TQMOptions{
			BaseURL: f.tqmURL,
			API:     f.tqmAPI,
			Key:     func(ctx context.Context) (string, error) { return store.Get(ctx, secrets.TQMKey) },
			Logger:  log.With("part", "tqm"),
		},
		Audio:         f.audio,
		Sources:       f.sources,
		VPBXURL:       f.vpbxURL,
		Rate:          f.rate,
		Schedule:      schedule,
		Logger:        log,
		ProbeInterval: probe,
	}
	c, err := core.New(ctx, cfg)
	if err != nil {
		_ = tun.Close()
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err = c.Start(startCtx)
	cancel()
	if err != nil {
		_ = c.Close(context.Background())
		return err
	}
	for _, e := range c.Endpoints() {
		fmt.Fprintf(stdout, "webhook-url: %s\n", e.URL)
	}
	log.Info("bridge running", "data_dir", f.dataDir, "tunnel", f.tunnel, "tqm_api", f.tqmAPI, "rate", f.rate)
	<-ctx.Done()
	log.Info("stopping: no new webhooks; finishing what is in flight")
	closeCtx, cancelClose := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelClose()
	if err := c.Close(closeCtx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("stopped")
	return nil
}

func buildTunnel(ctx context.Context, f serveFlags, store secrets.Store, webhookSecret string,
	log *slog.Logger) (tunnel.Tunnel, error) {
	if f.tunnel == "none" {
		return tunnel.NewNone(f.listen, strings.TrimRight(f.publicURL, "/")), nil
	}
	token, err := store.Get(ctx, secrets.NgrokAuthtoken)
	if err != nil || strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("%s (%s)", i18n.Both(tunnel.KeyNoAuthtoken, nil), secrets.EnvVar(secrets.NgrokAuthtoken))
	}
	return tunnel.NewNgrok(tunnel.NgrokConfig{
		Authtoken:     token,
		URL:           f.ngrokDomain,
		WebhookPrefix: receiver.Prefix(webhookSecret),
		Version:       Version,
	}, log.With("part", "tunnel")), nil
}
