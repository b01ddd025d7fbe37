package secrets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"
)

func errorsIsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// MinWebhookSecret is the shortest webhook secret accepted (128 bits as hex).
const MinWebhookSecret = 32

// CheckWebhookSecret accepts a webhook secret that can stand in a URL path
// as it is: at least MinWebhookSecret characters, each a letter, a digit,
// '-' or '_' (ASCII). Its error never shows the value.
func CheckWebhookSecret(v string) error {
	n := utf8.RuneCountInString(v)
	for _, r := range v {
		ok := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		if !ok {
			return fmt.Errorf("the webhook secret (%d characters) may hold only Latin letters, digits, '-' and '_', so that it stands in the URL as it is; use at least %d of them", n, MinWebhookSecret)
		}
	}
	if n < MinWebhookSecret {
		return fmt.Errorf("the webhook secret is too short (%d characters, need at least %d Latin letters, digits, '-' or '_')", n, MinWebhookSecret)
	}
	return nil
}

// EnsureWebhookSecret returns the stored webhook secret, generating and
// storing a new one (128 random bits, hex) on first start. When it cannot be
// stored, it fails: a throwaway secret would change the webhook URL on every
// start without the user knowing.
func EnsureWebhookSecret(ctx context.Context, s Store) (string, error) {
	v, err := s.Get(ctx, WebhookSecret)
	if err == nil {
		if err := CheckWebhookSecret(v); err != nil {
			return "", err
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
