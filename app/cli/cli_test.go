package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mangotqm/app/calls"
	"mangotqm/store"
)

// run is the command line as a user types it: exit code and what it said.
func run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut)
	return code, out.String() + errOut.String()
}

// The command line refuses what would only break later, with the flag
// named, and says which forms work.
func TestRefusesBadInputAtOnce(t *testing.T) {
	t.Setenv("MANGOTQM_TQM_KEY", "cli-test-tqm-key-0123456789")
	t.Setenv("MANGOTQM_WEBHOOK_SECRET", strings.Repeat("a1", 16))
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		says []string
	}{
		{"tqm url", []string{"serve", "--data-dir", dir, "--secrets", "env", "--tqm-url", "not-a-url"}, 2, []string{"tqm-url", "not-a-url"}},
		{"vpbx url", []string{"serve", "--data-dir", dir, "--secrets", "env", "--vpbx-url", "ftp://x"}, 2, []string{"vpbx-url"}},
		{"language", []string{"serve", "--data-dir", dir, "--secrets", "env", "--lang", "de"}, 2, []string{"--lang", "de"}},
		{"audio", []string{"serve", "--data-dir", dir, "--secrets", "env", "--audio", "mp3"}, 2, []string{"audio", "upload, link, passthrough"}},
		{"rate", []string{"serve", "--data-dir", dir, "--secrets", "env", "--rate", "0"}, 2, []string{"rate"}},
		{"reconcile", []string{"serve", "--data-dir", dir, "--secrets", "env", "--reconcile-every", "soon"}, 2, []string{"reconcile-every"}},
		{"tunnel", []string{"serve", "--data-dir", dir, "--tunnel", "frp"}, 2, []string{"--tunnel"}},
		{"alert e-mail", []string{"serve", "--data-dir", dir, "--secrets", "env", "--alert-email", "бухгалтерия", "--smtp", "smtp.x.ru:465", "--smtp-from", "a@x.ru"}, 2,
			[]string{"Получатели писем: «бухгалтерия» — не адрес электронной почты", "--alert-email"}},
		{"smtp port", []string{"serve", "--data-dir", dir, "--secrets", "env", "--alert-email", "a@x.ru", "--smtp", "smtp.x.ru:70000", "--smtp-from", "a@x.ru"}, 2,
			[]string{"Порт SMTP-сервера: «70000»", "--smtp)"}},
		{"chat id", []string{"serve", "--data-dir", dir, "--secrets", "env", "--alert-telegram", ""}, 2, []string{"Chat id в Telegram: укажите chat id", "--alert-telegram"}},
		{"smtp tls", []string{"serve", "--data-dir", dir, "--secrets", "env", "--smtp-tls", "ssl"}, 2, []string{"Шифрование SMTP", "--smtp-tls"}},
		{"chat id, English", []string{"serve", "--data-dir", dir, "--secrets", "env", "--lang", "en", "--alert-telegram", "x y"}, 2,
			[]string{"Telegram chat id: “x y” is not a chat id", "--alert-telegram"}},
		{"resend date", []string{"resend", "--data-dir", dir, "--failed-since", "yesterday"}, 2, []string{"YYYY-MM-DD", "RFC 3339"}},
		{"status", []string{"calls", "--data-dir", dir, "--status", "lost"}, 2, []string{"lost", "delivered"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, said := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, said)
			}
			for _, w := range tc.says {
				if !strings.Contains(said, w) {
					t.Errorf("the message does not say %q:\n%s", w, said)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		t.Fatal("a refused command created a database")
	}
}

func TestWebhookSecretMustBeURLSafe(t *testing.T) {
	t.Setenv("MANGOTQM_TQM_KEY", "cli-test-tqm-key-0123456789")
	t.Setenv("MANGOTQM_WEBHOOK_SECRET", "секрет с пробелами/и слэшем, достаточно длинный")
	code, said := run(t, "serve", "--data-dir", t.TempDir(), "--secrets", "env")
	if code != 1 || !strings.Contains(said, "Latin letters") || strings.Contains(said, "слэшем") {
		t.Fatalf("exit %d:\n%s", code, said)
	}
}

// Read-only commands never create a database; resend and calls on a folder
// without one say so.
func TestNoDatabaseIsAnError(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"calls", "--lang", "en", "--data-dir", dir}, {"resend", "--lang", "en", "--data-dir", dir, "7"}} {
		code, said := run(t, args...)
		if code != 1 || !strings.Contains(said, "no mangotqm database") {
			t.Fatalf("%v: exit %d:\n%s", args, code, said)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("the folder now holds %d entries", len(entries))
	}
}

func TestResendAcceptsAPlainDate(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	code, said := run(t, "resend", "--lang", "en", "--data-dir", dir, "--failed-since", "2026-11-01")
	if code != 0 || !strings.Contains(said, "re-queued 0") {
		t.Fatalf("exit %d:\n%s", code, said)
	}
	code, said = run(t, "calls", "--data-dir", dir, "--status", string(calls.StatusFailed))
	if code != 0 || !strings.Contains(said, "SOURCE") {
		t.Fatalf("exit %d:\n%s", code, said)
	}
}
