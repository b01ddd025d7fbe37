package tunnel

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mangotqm/assets/i18n"
)

func TestCheckURLChange(t *testing.T) {
	tests := []struct {
		last, current string
		want          bool
	}{
		{"", "https://a.ngrok-free.dev", false},
		{"https://a.ngrok-free.dev/mango/s/calltracking", "", false},
		{"https://a.ngrok-free.dev/mango/s/calltracking", "https://a.ngrok-free.dev", false},
		{"https://A.ngrok-free.dev/", "https://a.ngrok-free.dev", false},
		{"https://a.ngrok-free.dev:443/x", "https://a.ngrok-free.dev", false},
		{"https://a.ngrok-free.dev/mango/s/calltracking", "https://b.ngrok-free.dev", true},
		{"http://a.ngrok-free.dev", "https://a.ngrok-free.dev", true},
		{"https://a.ngrok-free.dev:8443", "https://a.ngrok-free.dev", true},
	}
	for _, tt := range tests {
		if got := CheckURLChange(tt.last, tt.current); got != tt.want {
			t.Errorf("CheckURLChange(%q, %q) = %v, want %v", tt.last, tt.current, got, tt.want)
		}
	}
}

func TestURLChangeIncident(t *testing.T) {
	last := func(u string, err error) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return u, err }
	}
	ctx := context.Background()
	const newHook = "https://b.ngrok-free.dev/mango/s/calltracking"

	in, ok, err := URLChange(ctx, last("https://a.ngrok-free.dev/mango/s/calltracking", nil), "https://b.ngrok-free.dev", newHook)
	if err != nil || !ok {
		t.Fatalf("URLChange = %v, %v; want an incident", ok, err)
	}
	if in.MessageKey != KeyURLChanged || in.Data["URL"] != newHook {
		t.Fatalf("incident %+v", in)
	}
	for _, lang := range []string{i18n.RU, i18n.EN} {
		if txt := in.Text(lang); !strings.Contains(txt, newHook) {
			t.Errorf("%s text %q lacks the new URL", lang, txt)
		}
	}

	if _, ok, err := URLChange(ctx, last("https://b.ngrok-free.dev/mango/s/calltracking", nil), "https://b.ngrok-free.dev", ""); ok || err != nil {
		t.Fatalf("same origin: ok=%v err=%v, want no incident", ok, err)
	}
	if _, ok, err := URLChange(ctx, last("", nil), "https://b.ngrok-free.dev", ""); ok || err != nil {
		t.Fatalf("never copied: ok=%v err=%v, want no incident", ok, err)
	}
	boom := errors.New("db locked")
	if _, ok, err := URLChange(ctx, last("", boom), "https://b.ngrok-free.dev", ""); ok || !errors.Is(err, boom) {
		t.Fatalf("read error: ok=%v err=%v, want the error", ok, err)
	}
}
