package cli

// The command line speaks the user's language, like the desktop app: the
// --lang flag, else the language saved in the desktop app, else the
// system's (assets/i18n: cli.json). Lines that scripts and tests read
// (webhook-url:, poll:, --json output, the calls table's header) stay as
// they are.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"mangotqm/app/instance"
	"mangotqm/assets/i18n"
)

// desktopAppID is the desktop app's Fyne application id (ui.AppID; app/
// does not import the UI): its preferences hold the saved language.
const desktopAppID = "ru.mangotqm.bridge"

// prefsPath is where Fyne keeps the desktop app's preferences.
func prefsPath() string {
	var root string
	if runtime.GOOS == "darwin" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		root = filepath.Join(home, "Library", "Preferences")
	} else {
		d, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		root = d
	}
	return filepath.Join(root, "fyne", desktopAppID, "preferences.json")
}

// savedLang reads the language chosen in the desktop app ("" if none).
func savedLang(path string) string {
	if path == "" {
		return ""
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var prefs map[string]any
	if json.Unmarshal(raw, &prefs) != nil {
		return ""
	}
	if l, ok := prefs["language"].(string); ok && i18n.Known(l) {
		return l
	}
	return ""
}

// defaultLang is the language without --lang: the saved one, else the
// system's (Russian unless the environment names English).
func defaultLang() string {
	if l := savedLang(prefsPath()); l != "" {
		return l
	}
	return i18n.FromEnv()
}

// langOf is the language a command line asks for: its --lang (or -lang)
// value when that is a known language, else defaultLang.
func langOf(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			continue
		}
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		if i18n.Known(value) {
			return value
		}
	}
	return defaultLang()
}

// langFlag adds --lang to a command that has no other use for it (langOf
// reads it before parsing; a wrong value is refused here).
func langFlag(fs *flag.FlagSet) {
	fs.Func("lang", "language of messages: ru or en", func(v string) error {
		if !i18n.Known(v) {
			return fmt.Errorf("ru or en, not %q", v)
		}
		return nil
	})
}

// tr renders the command line's messages in one language.
type tr string

// T is the text of key (cli.json) with data filled in.
func (l tr) T(key string, data map[string]any) string { return i18n.T(string(l), key, data) }

// errorf is an error whose text is key's.
func (l tr) errorf(key string, data map[string]any) error { return errors.New(l.T(key, data)) }

// usage is a usage error (exit code 2) with key's text.
func (l tr) usage(key string, data map[string]any) error { return usageError{l.errorf(key, data)} }

// localizeFlags gives a command's flags their help in the language:
// cli.flag.COMMAND.NAME, else cli.flag.NAME; a flag with neither keeps its
// English help. The "Usage:" line is translated too.
func localizeFlags(fs *flag.FlagSet, l tr, out io.Writer) {
	table := i18n.Table(string(l))
	cmd := strings.TrimPrefix(fs.Name(), "mangotqm ")
	fs.VisitAll(func(f *flag.Flag) {
		for _, key := range []string{"cli.flag." + cmd + "." + f.Name, "cli.flag." + f.Name} {
			if text, ok := table[key]; ok {
				f.Usage = text
				return
			}
		}
	})
	fs.Usage = func() {
		fmt.Fprintln(out, l.T("cli.usage_of", map[string]any{"Command": fs.Name()}))
		fs.PrintDefaults()
	}
}

// ErrorText is what a person reads for err: known errors in the language
// (another mangotqm owns the folder…), others as they are.
func ErrorText(lang string, err error) string {
	l := tr(lang)
	var held *instance.HeldError
	if errors.As(err, &held) {
		if held.PID > 0 {
			return l.T("cli.err.already_running_pid", map[string]any{"Dir": held.Dir, "PID": held.PID})
		}
		return l.T("cli.err.already_running", map[string]any{"Dir": held.Dir})
	}
	return err.Error()
}
