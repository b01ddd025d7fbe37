package cli

import (
	"errors"
	"flag"
	"net"
	"strconv"

	"mangotqm/app/config"
)

// alertFlags declares serve's alert flags (config.Alerts; the SMTP
// password and the bot token come from MANGOTQM_SMTP_PASSWORD and
// MANGOTQM_TELEGRAM_TOKEN, or the keychain).
func alertFlags(fs *flag.FlagSet, def config.Alerts) {
	fs.String("alert-email", config.Off, "e-mail alerts to ADDR[,ADDR] (off: none) (saved setting if not given)")
	fs.String("smtp", net.JoinHostPort("", strconv.Itoa(def.SMTPPort)), "SMTP server HOST:PORT for e-mail alerts (password: MANGOTQM_SMTP_PASSWORD) (saved setting if not given)")
	fs.String("smtp-tls", string(def.SMTPTLS), "SMTP encryption: none, starttls or tls (saved setting if not given)")
	fs.String("smtp-user", def.SMTPUser, "SMTP user name (saved setting if not given)")
	fs.String("smtp-from", def.SMTPFrom, "sender address of e-mail alerts (default: the SMTP user) (saved setting if not given)")
	fs.String("alert-telegram", config.Off, "Telegram alerts to CHAT_ID (off: none; bot token: MANGOTQM_TELEGRAM_TOKEN) (saved setting if not given)")
	fs.String("telegram-url", def.TelegramURL, "Telegram Bot API base URL (saved setting if not given)")
	fs.String("alert-summary", def.Summary, "daily summary time HH:MM, or off (saved setting if not given)")
}

// inLang renders the alert settings' problems in err in lang (they are
// Russian otherwise); other problems stay as they are.
func inLang(err error, lang string) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return err
	}
	var out []error
	for _, e := range j.Unwrap() {
		if fes := config.FieldErrors(e); len(fes) > 0 {
			for _, fe := range fes {
				out = append(out, errors.New(fe.Message(lang)+" (--"+fe.Flag()+")"))
			}
			continue
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}
