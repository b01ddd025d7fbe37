package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"mangotqm/app/secrets"
)

// secretSource builds the secret store for serve: the environment, the OS
// keychain, or both (environment first).
func secretSource(l tr, from string) (secrets.Store, error) {
	switch from {
	case "env":
		return secrets.Env{}, nil
	case "keychain":
		return &secrets.Keychain{}, nil
	case "auto", "":
		return secrets.Chain{secrets.Env{}, &secrets.Keychain{}}, nil
	}
	return nil, l.usage("cli.err.bad_secrets", map[string]any{"Value": from})
}

// loadRedactor learns every secret value that is set, so that none of them
// can reach a log line or an error message.
func loadRedactor(ctx context.Context, s secrets.Store) (*secrets.Redactor, error) {
	r := secrets.NewRedactor()
	for _, n := range secrets.All {
		v, err := s.Get(ctx, n)
		switch {
		case err == nil:
			r.Add(v)
		case errors.Is(err, secrets.ErrNotFound), errors.Is(err, secrets.ErrUnavailable):
		default:
			return nil, err
		}
	}
	return r, nil
}

// newLogger writes JSON lines to w, with secrets redacted.
func newLogger(w io.Writer, level string, r *secrets.Redactor) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(secrets.RedactHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}), r))
}
