// Package secrets keeps mangotqm's credentials out of files, logs and the
// database: they live in the OS keychain (desktop) or come from the
// environment (servers).
package secrets

import (
	"context"
	"errors"
)

// Name identifies one secret.
type Name string

// The secrets mangotqm uses.
const (
	TQMKey         Name = "tqm_key"         // TQM access key («Ключ доступа к TQM»)
	NgrokAuthtoken Name = "ngrok_authtoken" // ngrok agent authtoken
	MangoVPBXKey   Name = "mango_vpbx_key"  // «Уникальный код вашей ВАТС» (vpbx_api_key)
	MangoVPBXSalt  Name = "mango_vpbx_salt" // «Ключ для создания подписи» (vpbx_api_salt)
	MangoCTToken   Name = "mango_ct_token"  // calltracking API token
	WebhookSecret  Name = "webhook_secret"  // random path segment of the webhook URL
	SMTPPassword   Name = "smtp_password"   // password of the alert e-mails' SMTP user
	TelegramToken  Name = "telegram_token"  // bot token of the Telegram alerts
)

// All lists every secret name.
var All = []Name{TQMKey, NgrokAuthtoken, MangoVPBXKey, MangoVPBXSalt, MangoCTToken, WebhookSecret,
	SMTPPassword, TelegramToken}

// EnvVar returns the environment variable that carries a secret.
func EnvVar(n Name) string {
	switch n {
	case TQMKey:
		return "MANGOTQM_TQM_KEY"
	case NgrokAuthtoken:
		return "MANGOTQM_NGROK_AUTHTOKEN"
	case MangoVPBXKey:
		return "MANGOTQM_MANGO_VPBX_KEY"
	case MangoVPBXSalt:
		return "MANGOTQM_MANGO_VPBX_SALT"
	case MangoCTToken:
		return "MANGOTQM_MANGO_CT_TOKEN"
	case WebhookSecret:
		return "MANGOTQM_WEBHOOK_SECRET"
	case SMTPPassword:
		return "MANGOTQM_SMTP_PASSWORD"
	case TelegramToken:
		return "MANGOTQM_TELEGRAM_TOKEN"
	}
	return ""
}

// ErrNotFound: the secret has not been stored.
var ErrNotFound = errors.New("secret not set")

// ErrUnavailable: the secret store cannot be used (no keychain, locked
// keychain, timeout, read-only source).
var ErrUnavailable = errors.New("secret store unavailable")

// Store reads and writes secrets. Errors never contain a secret value.
type Store interface {
	Get(ctx context.Context, n Name) (string, error)
	Set(ctx context.Context, n Name, value string) error
	Delete(ctx context.Context, n Name) error
}
