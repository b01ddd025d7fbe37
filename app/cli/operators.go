package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/operators"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm"
)

// syncOperators copies Mango's employees into TQM as operators.
func syncOperators(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l := tr(langOf(args))
	fs := newFlags("sync-operators", stderr)
	tqmURL := fs.String("tqm-url", config.DefaultTQMURL, "TQM base URL")
	vpbxURL := fs.String("vpbx-url", config.DefaultVPBXURL, "Mango VPBX API base URL")
	from := fs.String("secrets", "auto", "where secrets come from: env, keychain or auto")
	langFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := secretSource(l, *from)
	if err != nil {
		return err
	}
	red, err := loadRedactor(ctx, store)
	if err != nil {
		return err
	}
	creds := bridge.VPBXCredentialSource(store)
	if _, err := creds(ctx); err != nil {
		return fmt.Errorf("%s: %w", l.T("cli.operators.need_vpbx", map[string]any{
			"KeyVar": secrets.EnvVar(secrets.MangoVPBXKey), "SaltVar": secrets.EnvVar(secrets.MangoVPBXSalt)}), err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	rep, err := operators.Sync(ctx,
		&vpbx.Client{BaseURL: *vpbxURL, Credentials: creds},
		&tqm.Client{BaseURL: *tqmURL, Key: func(ctx context.Context) (string, error) { return store.Get(ctx, secrets.TQMKey) }})
	if err != nil {
		return errors.New(red.Redact(err.Error()))
	}
	fmt.Fprintln(stdout, l.T("cli.operators.imported", map[string]any{"N": rep.Imported}))
	for _, s := range rep.Skipped {
		fmt.Fprintln(stdout, l.T("cli.operators.skipped", map[string]any{"What": s}))
	}
	for _, f := range rep.Failed {
		fmt.Fprintln(stdout, l.T("cli.operators.failed", map[string]any{"What": red.Redact(f)}))
	}
	if len(rep.Failed) > 0 {
		return l.errorf("cli.operators.not_imported", map[string]any{"N": len(rep.Failed)})
	}
	return nil
}
