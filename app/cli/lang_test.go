package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mangotqm/app/instance"
	"mangotqm/store"
)

// hermeticLang makes the default language depend only on what the test
// sets: no saved desktop preference, no inherited locale.
func hermeticLang(t *testing.T, lang string) string {
	t.Helper()
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("APPDATA", cfg)
	for _, v := range []string{"MANGOTQM_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"} {
		t.Setenv(v, "")
	}
	t.Setenv("LANG", lang)
	return cfg
}

// The language without --lang: the one saved in the desktop app, else the
// system's (Russian unless it names English); --lang wins over both.
func TestLangOf(t *testing.T) {
	for _, tc := range []struct {
		name  string
		saved string // the desktop app's saved language ("" = none)
		env   string // LANG
		args  []string
		want  string
	}{
		{"nothing set: Russian", "", "", nil, "ru"},
		{"C locale: Russian", "", "C.UTF-8", nil, "ru"},
		{"English system", "", "en_US.UTF-8", nil, "en"},
		{"saved Russian beats an English system", "ru", "en_US.UTF-8", nil, "ru"},
		{"saved English beats a Russian system", "en", "ru_RU.UTF-8", nil, "en"},
		{"--lang en", "ru", "ru_RU.UTF-8", []string{"--data-dir", "x", "--lang", "en"}, "en"},
		{"-lang=en", "", "", []string{"-lang=en"}, "en"},
		{"--lang ru on an English system", "", "en_US.UTF-8", []string{"--lang=ru"}, "ru"},
		{"an unknown --lang falls back", "", "en_US.UTF-8", []string{"--lang", "de"}, "en"},
		{"after --: an argument, not a flag", "", "", []string{"--", "--lang", "en"}, "ru"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := hermeticLang(t, tc.env)
			if tc.saved != "" {
				p := filepath.Join(cfg, "fyne", desktopAppID, "preferences.json")
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(`{"language":"`+tc.saved+`","muted":false}`), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := langOf(tc.args); got != tc.want {
				t.Fatalf("langOf(%q) = %q, want %q", tc.args, got, tc.want)
			}
		})
	}
}

// What the command line prints for a person, in Russian by default and in
// English with --lang en or an English system; the lines scripts read
// (webhook-url:, the calls table's header) are the same in both.
func TestMessagesInBothLanguages(t *testing.T) {
	newDB := func(t *testing.T) string {
		dir := t.TempDir()
		st, err := store.Open(context.Background(), dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tc := range []struct {
		name     string
		env      string // LANG
		args     func(dir string) []string
		db       bool
		code     int
		want     []string
		wantNone []string
	}{
		{"usage, Russian", "", func(string) []string { return []string{"help"} }, false, 0,
			[]string{"мост Mango Office → T-Bank TQM", "работать без окна"}, []string{"Usage:"}},
		{"usage, English system", "en_US.UTF-8", func(string) []string { return []string{"help"} }, false, 0,
			[]string{"Mango Office → T-Bank TQM bridge", "run the bridge without a window"}, []string{"работать"}},
		{"serve --help, Russian, plain words", "", func(string) []string { return []string{"serve", "--help"} }, false, 0,
			[]string{"Как запускать mangotqm serve", "передать ссылку из вебхука как есть, без проверки", "папка данных"},
			[]string{"Albato", "data directory"}},
		{"serve --help --lang en", "ru_RU.UTF-8", func(string) []string { return []string{"serve", "--help", "--lang", "en"} }, false, 0,
			[]string{"Usage of mangotqm serve", "as it is, without checking it", "data directory"}, []string{"Albato", "папка"}},
		{"no database, Russian", "", func(dir string) []string { return []string{"calls", "--data-dir", dir} }, false, 1,
			[]string{"mangotqm: в папке", "нет базы mangotqm"}, []string{"no mangotqm database"}},
		{"no database, English", "", func(dir string) []string { return []string{"calls", "--lang", "en", "--data-dir", dir} }, false, 1,
			[]string{"mangotqm: no mangotqm database in"}, nil},
		{"resend, Russian", "", func(dir string) []string {
			return []string{"resend", "--data-dir", dir, "--failed-since", "2026-11-01"}
		}, true, 0,
			[]string{"звонков снова в очереди: 0"}, []string{"re-queued"}},
		{"resend, English", "en_GB.UTF-8", func(dir string) []string {
			return []string{"resend", "--data-dir", dir, "--failed-since", "2026-11-01"}
		}, true, 0,
			[]string{"re-queued 0 call(s)"}, nil},
		{"resend without ID, Russian", "", func(dir string) []string { return []string{"resend", "--data-dir", dir} }, true, 2,
			[]string{"укажите номер звонка или --failed-since"}, nil},
		{"resend bad ID, English", "", func(dir string) []string { return []string{"resend", "--lang", "en", "--data-dir", dir, "x7"} }, true, 2,
			[]string{`call ID "x7" is not a number`}, nil},
		{"resume when not paused, Russian", "", func(dir string) []string { return []string{"resume", "--data-dir", dir} }, true, 0,
			[]string{"отправка не на паузе"}, nil},
		{"resume when not paused, English", "", func(dir string) []string { return []string{"resume", "--data-dir", dir, "--lang", "en"} }, true, 0,
			[]string{"delivery is not paused"}, nil},
		{"bad --tunnel, Russian", "", func(dir string) []string { return []string{"serve", "--data-dir", dir, "--tunnel", "vpn"} }, false, 2,
			[]string{"--tunnel: none, ngrok, poll или saved, а не «vpn»"}, nil},
		{"bad --secrets, English", "", func(dir string) []string {
			return []string{"serve", "--lang", "en", "--data-dir", dir, "--secrets", "vault"}
		}, false, 2, []string{`--secrets must be env, keychain or auto, not "vault"`}, nil},
		{"backfill without --from, Russian", "", func(dir string) []string { return []string{"backfill", "--data-dir", dir} }, false, 2,
			[]string{"укажите начало периода: --from"}, nil},
		{"restore without a backup, English", "", func(dir string) []string { return []string{"restore", "--data-dir", dir, "--lang", "en"} }, false, 2,
			[]string{"give the backup to restore, or --salvage"}, nil},
		{"the calls table's header stays", "", func(dir string) []string { return []string{"calls", "--data-dir", dir} }, true, 0,
			[]string{"ID  RECEIVED  SOURCE"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hermeticLang(t, tc.env)
			dir := t.TempDir()
			if tc.db {
				dir = newDB(t)
			}
			code, said := run(t, tc.args(dir)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, said)
			}
			for _, w := range tc.want {
				if !strings.Contains(said, w) {
					t.Errorf("missing %q in:\n%s", w, said)
				}
			}
			for _, w := range tc.wantNone {
				if strings.Contains(said, w) {
					t.Errorf("unexpected %q in:\n%s", w, said)
				}
			}
		})
	}
}

// Another mangotqm on the folder: a plain sentence in the language, with
// the folder and the PID.
func TestErrorTextAlreadyRunning(t *testing.T) {
	for _, tc := range []struct {
		lang string
		err  error
		want string
	}{
		{"ru", &instance.HeldError{Dir: `C:\mangotqm`, PID: 32}, `mangotqm уже работает с папкой C:\mangotqm (процесс 32)`},
		{"en", &instance.HeldError{Dir: `C:\mangotqm`, PID: 32}, `mangotqm is already running on C:\mangotqm, PID 32`},
		{"ru", fmt.Errorf("open bridge: %w", &instance.HeldError{Dir: "/d"}), "mangotqm уже работает с папкой /d. "},
		{"en", fmt.Errorf("open bridge: %w", &instance.HeldError{Dir: "/d"}), "mangotqm is already running on /d. "},
		{"ru", fmt.Errorf("something else"), "something else"},
	} {
		t.Run(tc.lang+" "+tc.want, func(t *testing.T) {
			if got := ErrorText(tc.lang, tc.err); !strings.HasPrefix(got, tc.want) {
				t.Fatalf("ErrorText = %q, want it to start with %q", got, tc.want)
			}
		})
	}
}
