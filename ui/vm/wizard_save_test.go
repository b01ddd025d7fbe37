package vm_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/ui/vm"
)

// settingsStore is a configuration in memory (the bridge's Config and
// SetConfig); fail makes SetConfig fail.
type settingsStore struct {
	c    config.Config
	fail error
}

func (s *settingsStore) Config() config.Config { return s.c }
func (s *settingsStore) SetConfig(_ context.Context, c config.Config) error {
	if s.fail != nil {
		return s.fail
	}
	s.c = c
	return nil
}

// brokenKeychain is a keychain that cannot be used (locked, no service).
type brokenKeychain struct{}

func (brokenKeychain) Get(context.Context, secrets.Name) (string, error) {
	return "", fmt.Errorf("locked: %w", secrets.ErrUnavailable)
}
func (brokenKeychain) Set(context.Context, secrets.Name, string) error {
	return fmt.Errorf("locked: %w", secrets.ErrUnavailable)
}
func (brokenKeychain) Delete(context.Context, secrets.Name) error { return secrets.ErrUnavailable }

// The wizard's saving, without a window: secrets to the keychain (and the
// redactor), settings to the configuration, an empty field keeps what is
// stored, an empty required one with nothing stored is ErrRequired, and a
// keychain that cannot be used says so.
func TestSaveStep(t *testing.T) {
	steps := vm.WizardSteps()
	tqm := steps[vm.StepIndex(steps, "ui.wizard.tqm.title")]
	mango := steps[vm.StepIndex(steps, "ui.wizard.mango.title")]
	domain := steps[vm.StepIndex(steps, "ui.wizard.domain.title")]
	const key = "tqm-key-0123456789"
	for _, tc := range []struct {
		name    string
		stored  map[secrets.Name]string
		keys    secrets.Store // nil = memory with stored
		step    vm.WizardStep
		values  []string
		wantErr error
		want    map[secrets.Name]string // in the keychain afterwards
		domain  string
	}{
		{name: "a new key is stored and redacted", step: tqm, values: []string{key},
			want: map[secrets.Name]string{secrets.TQMKey: key}},
		{name: "empty keeps the stored key", stored: map[secrets.Name]string{secrets.TQMKey: "old-key-0123456789"},
			step: tqm, values: []string{""}, want: map[secrets.Name]string{secrets.TQMKey: "old-key-0123456789"}},
		{name: "empty and nothing stored", step: tqm, values: []string{""}, wantErr: vm.ErrRequired},
		{name: "both Mango values", step: mango, values: []string{"abcdefghijklmnopq1", "saltsaltsaltsalt1"},
			want: map[secrets.Name]string{secrets.MangoVPBXKey: "abcdefghijklmnopq1", secrets.MangoVPBXSalt: "saltsaltsaltsalt1"}},
		{name: "a setting goes to the configuration", step: domain, values: []string{"office.ngrok-free.dev"},
			domain: "https://office.ngrok-free.dev"}, // normalised
		{name: "an empty setting is required", step: domain, values: []string{""}, wantErr: vm.ErrRequired},
		{name: "the keychain cannot be used", keys: brokenKeychain{}, step: tqm, values: []string{key},
			wantErr: secrets.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			keys := tc.keys
			if keys == nil {
				keys = secrets.NewMemory(tc.stored)
			}
			cfg := &settingsStore{}
			var redacted []string
			err := vm.SaveStep(ctx, keys, cfg, func(v string) { redacted = append(redacted, v) }, tc.step, tc.values)
			if !errors.Is(err, tc.wantErr) || (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			for n, v := range tc.want {
				if got, _ := keys.Get(ctx, n); got != v {
					t.Errorf("%s = %q, want %q", n, got, v)
				}
			}
			for _, v := range tc.values {
				if v != "" && tc.step.Fields[0].Secret != "" && tc.wantErr == nil && !contains(redacted, v) {
					t.Errorf("%q was stored but not given to the redactor (%v)", v, redacted)
				}
			}
			if cfg.c.NgrokDomain != tc.domain {
				t.Errorf("domain %q, want %q", cfg.c.NgrokDomain, tc.domain)
			}
			stored := vm.StoredSecrets(ctx, keys, steps)
			for n := range tc.want {
				if !stored[n] {
					t.Errorf("StoredSecrets does not list %s", n)
				}
			}
		})
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
