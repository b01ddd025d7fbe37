// Package i18n holds every user-facing string of mangotqm, in Russian (the
// default) and English. The same JSON files feed Fyne's lang package in the UI
// and this package's T for messages made by the core (logs, errors shown to
// users, notifications).
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"text/template"
)

// Files holds ru/*.json and en/*.json: one file per area of the program
// (core, tunnel, ui, vpbx), each a flat key → text object; text may use Go
// template fields such as {{.URL}}. A key must be unique across areas.
//
//go:embed ru/*.json en/*.json
var Files embed.FS

// Languages supported, default first.
const (
	RU = "ru"
	EN = "en"
)

var (
	loadOnce sync.Once
	tables   map[string]map[string]string
	loadErr  error
)

// Table returns the key → text table of a language (nil if unknown).
func Table(lang string) map[string]string {
	load()
	return tables[lang]
}

func load() {
	loadOnce.Do(func() {
		tables = map[string]map[string]string{}
		for _, l := range []string{RU, EN} {
			m, err := readDir(l)
			if err != nil {
				loadErr = err
				return
			}
			tables[l] = m
		}
	})
	if loadErr != nil {
		panic("i18n: embedded translations are broken: " + loadErr.Error())
	}
}

// T returns the text for key in lang (falling back to Russian, then to the
// key itself), with data filled into its template fields.
func T(lang, key string, data map[string]any) string {
	load()
	text, ok := tables[lang][key]
	if !ok {
		text, ok = tables[RU][key]
	}
	if !ok {
		return key
	}
	if data == nil || !strings.Contains(text, "{{") {
		return text
	}
	tpl, err := template.New(key).Option("missingkey=zero").Parse(text)
	if err != nil {
		return text
	}
	var b bytes.Buffer
	if err := tpl.Execute(&b, data); err != nil {
		return text
	}
	return b.String()
}

// Both returns "ru text / en text": for logs and command-line output read by
// people of either language.
func Both(key string, data map[string]any) string {
	return T(RU, key, data) + " / " + T(EN, key, data)
}

// Has reports whether key has a text (in Russian, the complete table).
func Has(key string) bool {
	load()
	_, ok := tables[RU][key]
	return ok
}

// Known reports whether lang is a language mangotqm speaks.
func Known(lang string) bool { return lang == RU || lang == EN }

// FromEnv picks the language from the environment (LC_ALL, LC_MESSAGES, LANG,
// LANGUAGE): English when it names English, Russian otherwise.
func FromEnv() string {
	for _, v := range []string{"MANGOTQM_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		if val := strings.ToLower(os.Getenv(v)); val != "" && val != "c" && val != "posix" {
			if strings.HasPrefix(val, "en") {
				return EN
			}
			return RU
		}
	}
	return RU
}

func readDir(lang string) (map[string]string, error) {
	entries, err := fs.ReadDir(Files, lang)
	if err != nil {
		return nil, fmt.Errorf("translations %s: %w", lang, err)
	}
	all := map[string]string{}
	for _, e := range entries {
		b, err := Files.ReadFile(lang + "/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("translations %s/%s: %w", lang, e.Name(), err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("translations %s/%s: %w", lang, e.Name(), err)
		}
		for k, v := range m {
			if _, dup := all[k]; dup {
				return nil, fmt.Errorf("translations %s: key %q defined twice", lang, k)
			}
			all[k] = v
		}
	}
	return all, nil
}

// JSON returns a language's merged table as one JSON object (for Fyne's
// lang.AddTranslationsForLocale).
func JSON(lang string) []byte {
	b, _ := json.Marshal(Table(lang))
	return b
}
