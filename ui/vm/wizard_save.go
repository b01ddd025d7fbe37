package vm

import (
	"context"
	"errors"

	"mangotqm/app/secrets"
)

// ErrRequired: a step's required value was left empty and none is stored.
var ErrRequired = errors.New("required")

// StoredSecrets says which of the steps' secrets the keychain holds; the
// wizard's placeholders and «Изменить ключи»'s list show it. A key that
// cannot be read counts as not stored.
func StoredSecrets(ctx context.Context, keys secrets.Store, steps []WizardStep) map[secrets.Name]bool {
	stored := map[secrets.Name]bool{}
	for _, st := range steps {
		for _, f := range st.Fields {
			if !f.Plain() {
				_, err := keys.Get(ctx, f.Secret)
				stored[f.Secret] = err == nil
			}
		}
	}
	return stored
}

// SaveStep stores a step's values (StepValues' output): secrets in the
// keychain (each one also given to redact, so that it never shows), plain
// settings in the configuration. An empty value keeps what is stored; an
// empty required value with nothing stored is ErrRequired. Keychain errors
// come back as they are (secrets.ErrUnavailable: the keychain is the
// problem, not the value).
func SaveStep(ctx context.Context, keys secrets.Store, cfg Settings, redact func(string), st WizardStep, values []string) error {
	for j, f := range st.Fields {
		v := values[j]
		if v == "" {
			if f.Optional {
				continue
			}
			if f.Plain() {
				return ErrRequired
			}
			if _, err := keys.Get(ctx, f.Secret); err != nil {
				if errors.Is(err, secrets.ErrNotFound) {
					return ErrRequired
				}
				return err
			}
			continue // keep the stored value
		}
		if f.Plain() {
			c := cfg.Config()
			f.Set(&c, v)
			if err := cfg.SetConfig(ctx, c); err != nil {
				return err
			}
			continue
		}
		if err := keys.Set(ctx, f.Secret, v); err != nil {
			return err
		}
		if redact != nil {
			redact(v)
		}
	}
	return nil
}
