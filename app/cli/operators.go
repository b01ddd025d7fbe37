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
	fs := newFlags("sync-operators", stderr)
	tqmURL := fs.String("tqm-url", config.DefaultTQMURL, "TQM base URL")
	vpbxURL := fs.String("vpbx-url", config.DefaultVPBXURL, "Mango VPBX API base URL")
	from := fs.String("secrets", "auto", "where secrets come from: env, keychain or auto")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := secretSource(*from)
	if err != nil {
		return err
	}
	red, err := loadRedactor(ctx, store)
	if err != nil {
		return err
	}
	creds := bridge.VPBXCredentialSource(store)
	if _, err := creds(ctx); err != nil {
		return fmt.Errorf("the Mango VPBX code and signing key are needed (%s, %s): %w",
			secrets.EnvVar(secrets.MangoVPBXKey), secrets.EnvVar(secrets.MangoVPBXSalt), err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	rep, err := operators.Sync(ctx,
		&vpbx.Client{BaseURL: *vpbxURL, Credentials: creds},
		&tqm.Client{BaseURL: *tqmURL, Key: func(ctx context.Context) (string, error) { return store.Get(ctx, secrets.TQMKey) }})
	if err != nil {
		return errors.New(red.Redact(err.Error()))
	}
	fmt.Fprintf(stdout, "imported or updated %d operator(s) in TQM\n", rep.Imported)
	for _, s := range rep.Skipped {
		fmt.Fprintln(stdout, "skipped:", s)
	}
	for _, f := range rep.Failed {
		fmt.Fprintln(stdout, "failed:", red.Redact(f))
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("%d operator(s) were not imported", len(rep.Failed))
	}
	return nil
}
