package tunnel

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"mangotqm/assets/i18n"
)

// CheckURLChange reports whether the public URL the tunnel now has (current)
// differs from the one the user last copied into Mango (last). Only the
// origin (scheme, host, port) is compared, case-insensitively: that is the
// part the tunnel controls, so last may be the full webhook URL and current
// the base URL. Nothing copied yet (last == "") or no URL yet (current == "")
// is not a change.
func CheckURLChange(last, current string) (changed bool) {
	if strings.TrimSpace(last) == "" || strings.TrimSpace(current) == "" {
		return false
	}
	return origin(last) != origin(current)
}

func origin(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return strings.ToLower(strings.TrimRight(raw, "/"))
	}
	host := strings.ToLower(u.Host)
	scheme := strings.ToLower(u.Scheme)
	host = strings.TrimSuffix(host, map[string]string{"https": ":443", "http": ":80"}[scheme])
	return scheme + "://" + host
}

// Incident is a message for the admin: an i18n key and its template data.
type Incident struct {
	MessageKey string
	Data       map[string]any
}

// Text renders the incident in lang.
func (in Incident) Text(lang string) string { return i18n.T(lang, in.MessageKey, in.Data) }

// URLChange compares the tunnel's current public URL with the one the user
// last copied into Mango, read with lastCopied (the core's CopiedURL method
// fits). When they differ it returns ok=true and an Incident with key
// KeyURLChanged and data {"URL": newURL}, where newURL is
// newWebhookURL when given (the full URL to paste into Mango), else current.
func URLChange(ctx context.Context, lastCopied func(context.Context) (string, error), current, newWebhookURL string) (Incident, bool, error) {
	last, err := lastCopied(ctx)
	if err != nil {
		return Incident{}, false, fmt.Errorf("read the last copied URL: %w", err)
	}
	if !CheckURLChange(last, current) {
		return Incident{}, false, nil
	}
	show := newWebhookURL
	if show == "" {
		show = current
	}
	return Incident{MessageKey: KeyURLChanged, Data: map[string]any{"URL": show}}, true, nil
}
