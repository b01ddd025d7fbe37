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
	"mangotqm/assets/i18n"
	"mangotqm/store"
)

// Restore is "mangotqm restore --from FILE" or "mangotqm restore --salvage"
// [--data-dir DIR]: it puts a backup (store.BackupDir holds the daily ones)
// in place of the database, or copies what a damaged database still holds
// into a new one. Either way it then fetches the period whose calls may be
// missing from Mango's call history when the VPBX code and key are set, and
// otherwise names that period (a bridge fetches it when it starts with the
// key). It refuses while a bridge or another mangotqm command has the
// database open (store.ErrInUse). The file it replaces is kept next to it.
func Restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l := tr(langOf(args))
	fs := newFlags("restore", stderr)
	dir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	from := fs.String("from", "", "the backup to restore (a file in DATA-DIR/"+store.BackupDirName+")")
	salvage := fs.Bool("salvage", false, "copy what the damaged database still holds into a new one (the damaged file is kept)")
	vpbxURL := fs.String("vpbx-url", "", "Mango VPBX API base URL (default: the saved setting)")
	secretsFrom := fs.String("secrets", "auto", "where secrets come from: env, keychain or auto (environment first)")
	lang := fs.String("lang", defaultLang(), "language of messages: ru or en")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*from == "") == !*salvage || fs.NArg() > 0 {
		return l.usage("cli.restore.need_one", nil)
	}
	if !i18n.Known(*lang) {
		return l.usage("cli.err.bad_lang", map[string]any{"Value": *lang})
	}
	if *dir == "" {
		d, err := config.DefaultDataDir()
		if err != nil {
			return err
		}
		*dir = d
	}
	say := func(key string, data map[string]any) { fmt.Fprintln(stdout, i18n.T(*lang, key, data)) }
	inUse := func(err error) error {
		if errors.Is(err, store.ErrInUse) {
			return fmt.Errorf("%w (%s)", err, l.T("cli.restore.stop_first", nil))
		}
		return err
	}
	var gap store.Gap
	if *salvage {
		res, err := store.Salvage(ctx, *dir)
		if err != nil {
			return inUse(err)
		}
		say("restore.cli.salvaged", map[string]any{"N": res.Calls})
		if res.Lost > 0 {
			say("restore.cli.salvage_lost", map[string]any{"Lost": res.Lost})
		}
		if res.Unknown {
			say("restore.cli.salvage_unknown", nil)
		}
		if res.FromBackup > 0 {
			say("restore.cli.salvage_from_backup", map[string]any{"N": res.FromBackup})
		}
		say("restore.cli.damaged_kept", map[string]any{"File": res.Damaged})
		gap = res.Gap
	} else {
		res, err := store.RestoreBackup(ctx, *dir, *from)
		if err != nil {
			return inUse(err)
		}
		say("restore.cli.restored", map[string]any{"Dir": *dir, "File": *from})
		if res.Replaced != "" {
			say("restore.cli.replaced_kept", map[string]any{"File": res.Replaced})
		}
		if res.Carried > 0 {
			say("restore.cli.carried", map[string]any{"N": res.Carried})
		}
		gap = res.Gap
	}
	return fillGap(ctx, *dir, gap, *vpbxURL, *secretsFrom, *logLevel, *lang, stdout, stderr)
}

// fillGap fetches the gap's calls from Mango (as mangotqm backfill does)
// and clears it, or says which period may be missing and why.
func fillGap(ctx context.Context, dir string, gap store.Gap, vpbxURL, secretsFrom, logLevel, lang string, stdout, stderr io.Writer) error {
	moscow := func(t time.Time) string { return t.In(calls.Moscow()).Format("02.01.2006 15:04") }
	now := clock.Real{}.Now()
	say := func(key string, data map[string]any) { fmt.Fprintln(stdout, i18n.T(lang, key, data)) }
	say("restore.cli.gap", map[string]any{"From": moscow(gap.From), "To": moscow(now)})
	noVPBX := func() error {
		say("restore.cli.gap_no_vpbx", map[string]any{"Dir": dir,
			"FromArg": gap.From.In(calls.Moscow()).Format("2006-01-02T15:04:05")})
		return nil
	}
	sec, err := secretSource(tr(lang), secretsFrom)
	if err != nil {
		return noVPBX()
	}
	creds := bridge.VPBXCredentialSource(sec)
	if _, err := creds(ctx); err != nil {
		return noVPBX()
	}
	red, err := loadRedactor(ctx, sec)
	if err != nil {
		return err
	}
	log := newLogger(stderr, logLevel, red)
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if vpbxURL == "" {
		cfg, err := config.Load(ctx, st)
		if err != nil {
			return err
		}
		vpbxURL = cfg.VPBXURL
	}
	eng := reconcile.New(reconcile.Config{
		Stats:  &vpbx.Client{BaseURL: vpbxURL, Credentials: creds, Logger: log.With("part", "vpbx")},
		Store:  st,
		Logger: log.With("part", "backfill"),
	})
	t := func(key string, p reconcile.Progress) string {
		return i18n.T(lang, key, map[string]any{"From": moscow(p.From), "To": moscow(p.To), "Chunks": p.Chunks,
			"Done": p.ChunksDone, "Found": p.Found, "New": p.New, "Known": p.Known, "Skipped": p.Skipped})
	}
	first := true
	p, err := eng.Backfill(ctx, gap.From, now, func(p reconcile.Progress) {
		if first {
			first = false
			fmt.Fprintln(stdout, t("reconcile.cli.period", p))
			return
		}
		fmt.Fprintln(stdout, t("reconcile.cli.progress", p))
	})
	if errors.Is(err, reconcile.ErrEmptyPeriod) {
		err = nil
	}
	if err == nil {
		err = st.CloseGap(ctx)
	}
	if err != nil {
		say("restore.cli.gap_failed", map[string]any{"Error": red.Redact(err.Error())})
		if errors.Is(err, context.Canceled) {
			return tr(lang).errorf("cli.err.interrupted", nil)
		}
		return nil // the restore itself worked; the bridge tries the period again
	}
	fmt.Fprintln(stdout, t("reconcile.cli.done", p))
	log.Info("the period after the restore is complete", "from", gap.From, "to", now, "found", p.Found,
		"new", p.New, "known", p.Known, "skipped", p.Skipped)
	say("reconcile.cli.no_bridge", map[string]any{"Dir": dir})
	return nil
}
