package secrets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

func errorsIsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// MinWebhookSecret is the shortest webhook secret accepted (128 bits as hex).
const MinWebhookSecret = 32

// EnsureWebhookSecret returns the stored webhook secret, generating and
// storing a new one (128 random bits, hex) on first start. When it cannot be
// stored, it fails: a throwaway secret would change the webhook URL on every
// start without the user knowing.
func EnsureWebhookSecret(ctx context.Context, s Store) (string, error) {
	v, err := s.Get(ctx, WebhookSecret)
	if err == nil {
		if len(v) < MinWebhookSecret {
			return "", fmt.Errorf("the webhook secret is too short (%d characters, need %d)", len(v), MinWebhookSecret)
		}
		return v, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the webhook secret: %w", err)
	}
	v = hex.EncodeToString(b)
	if err := s.Set(ctx, WebhookSecret, v); err != nil {
		return "", fmt.Errorf("keep the new webhook secret: %w", err)
	}
	return v, nil
}
