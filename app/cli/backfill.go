package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mangotqm/app/clock"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/reconcile"
	"mangotqm/app/rules"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/store"
)

// backfill stores the calls of a past period from Mango's statistics into
// the data folder; a bridge running on that folder delivers them (it
// notices rows other processes store within seconds, see bridge.watchOthers).
// Whether a bridge runs is read from its heartbeat in the database.
func backfill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l := tr(langOf(args))
	fs := newFlags("backfill", stderr)
	dir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	fromS := fs.String("from", "", "start of the period: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (Moscow time) or RFC 3339")
	toS := fs.String("to", "", "end of the period, same formats; a date alone includes that whole day (default: now)")
	vpbxURL := fs.String("vpbx-url", "", "Mango VPBX API base URL (default: the saved setting)")
	from := fs.String("secrets", "auto", "where secrets come from: env, keychain or auto (environment first)")
	lang := fs.String("lang", defaultLang(), "language of messages: ru or en")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return l.usage("cli.err.unexpected_arg", map[string]any{"Arg": fs.Arg(0)})
	}
	if !i18n.Known(*lang) {
		return l.usage("cli.err.bad_lang", map[string]any{"Value": *lang})
	}
	if *fromS == "" {
		return l.usage("cli.backfill.need_from", nil)
	}
	start, err := reconcile.ParseTime(*fromS, false)
	if err != nil {
		return usageError{fmt.Errorf("--from: %w", err)}
	}
	end := clock.Real{}.Now() // the command line is a composition root: it picks the wall clock
	if *toS != "" {
		if end, err = reconcile.ParseTime(*toS, true); err != nil {
			return usageError{fmt.Errorf("--to: %w", err)}
		}
	}
	if !start.Before(end) {
		return l.usage("cli.backfill.from_after_to", nil)
	}
	sec, err := secretSource(l, *from)
	if err != nil {
		return err
	}
	red, err := loadRedactor(ctx, sec)
	if err != nil {
		return err
	}
	log := newLogger(stderr, *logLevel, red)
	creds := bridge.VPBXCredentialSource(sec)
	if _, err := creds(ctx); err != nil {
		return fmt.Errorf("%s: %w", i18n.T(*lang, "reconcile.cli.no_vpbx", map[string]any{
			"KeyVar": secrets.EnvVar(secrets.MangoVPBXKey), "SaltVar": secrets.EnvVar(secrets.MangoVPBXSalt)}), err)
	}
	if *dir == "" {
		if *dir, err = config.DefaultDataDir(); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, *dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	cfg, err := config.Load(ctx, st)
	if err != nil {
		return err
	}
	url := *vpbxURL
	if url == "" {
		url = cfg.VPBXURL
	}
	t := func(key string, p reconcile.Progress) string {
		return i18n.T(*lang, key, map[string]any{"From": p.From.In(calls.Moscow()).Format("2006-01-02 15:04:05"),
			"To": p.To.In(calls.Moscow()).Format("2006-01-02 15:04:05"), "Chunks": p.Chunks, "Done": p.ChunksDone,
			"Found": p.Found, "New": p.New, "Known": p.Known, "Skipped": p.Skipped})
	}
	eng := reconcile.New(reconcile.Config{
		Stats:  &vpbx.Client{BaseURL: url, Credentials: creds, Logger: log.With("part", "vpbx")},
		Store:  st,
		Logger: log.With("part", "backfill"),
		Decide: (&rules.Applier{Rules: func() config.Rules { return cfg.Rules }, Numbers: st, Zone: time.Local,
			Logger: log.With("part", "rules")}).Check,
	})
	first := true
	p, err := eng.Backfill(ctx, start, end, func(p reconcile.Progress) {
		if first {
			first = false
			fmt.Fprintln(stdout, t("reconcile.cli.period", p))
			if p.Resumed {
				fmt.Fprintln(stdout, t("reconcile.cli.resumed", p))
			}
			return
		}
		fmt.Fprintln(stdout, t("reconcile.cli.progress", p))
	})
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stdout, t("reconcile.cli.interrupted", p))
	case err != nil:
		return errors.New(red.Redact(err.Error()))
	default:
		fmt.Fprintln(stdout, t("reconcile.cli.done", p))
	}
	printSkipped(stdout, *lang, p.SkippedBy)
	// A bridge running on this folder delivers what was stored; say so.
	hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h, herr := bridge.ReadHeartbeat(hctx, st)
	if herr == nil && h.Running(clock.Real{}.Now()) {
		fmt.Fprintln(stdout, i18n.T(*lang, "reconcile.cli.bridge_running", map[string]any{"PID": h.PID}))
	} else {
		fmt.Fprintln(stdout, i18n.T(*lang, "reconcile.cli.no_bridge", map[string]any{"Dir": *dir}))
	}
	if errors.Is(err, context.Canceled) {
		return l.errorf("cli.err.interrupted", nil)
	}
	return nil
}
