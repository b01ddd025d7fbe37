package vpbx_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mangotqm/app/mango/vpbx"
	"mangotqm/assets/i18n"
)

func TestMessagesInBothLanguages(t *testing.T) {
	tables := map[string]map[string]string{}
	for _, lang := range []string{i18n.RU, i18n.EN} {
		b, err := i18n.Files.ReadFile(lang + "/vpbx.json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s/vpbx.json: %v", lang, err)
		}
		for k, v := range m {
			if !strings.HasPrefix(k, "vpbx.") || strings.TrimSpace(v) == "" {
				t.Errorf("%s: bad entry %q: %q", lang, k, v)
			}
		}
		tables[lang] = m
	}
	for k := range tables[i18n.RU] {
		if _, ok := tables[i18n.EN][k]; !ok {
			t.Errorf("%s missing in en", k)
		}
	}
	for k := range tables[i18n.EN] {
		if _, ok := tables[i18n.RU][k]; !ok {
			t.Errorf("%s missing in ru", k)
		}
	}
	until := time.Date(2026, 3, 2, 10, 2, 10, 0, time.Local)
	for _, lo := range []vpbx.LockoutError{
		{Code: 3105, HTTPStatus: 200, Until: until}, {Code: 3102, HTTPStatus: 401, Until: until},
		{HTTPStatus: 401, Until: until}, {Code: 3320, HTTPStatus: 200, Until: until},
	} {
		for _, lang := range []string{i18n.RU, i18n.EN} {
			if _, ok := tables[lang][lo.MessageKey()]; !ok {
				t.Errorf("%s: no text for %s", lang, lo.MessageKey())
			}
			text := i18n.T(lang, lo.MessageKey(), lo.MessageData())
			if !strings.Contains(text, "10:02:10") || strings.Contains(text, "{{") {
				t.Errorf("%s %s: %q", lang, lo.MessageKey(), text)
			}
		}
	}
}
