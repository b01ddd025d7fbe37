package tunnel

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"text/template"

	"mangotqm/assets/i18n"
)

func loadTunnelJSON(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := i18n.Files.ReadFile(lang + "/tunnel.json")
	if err != nil {
		t.Fatalf("read %s/tunnel.json: %v", lang, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse %s/tunnel.json: %v", lang, err)
	}
	return m
}

func TestTunnelTranslationsMatch(t *testing.T) {
	ru, en := loadTunnelJSON(t, i18n.RU), loadTunnelJSON(t, i18n.EN)
	ruKeys, enKeys := slices.Sorted(maps.Keys(ru)), slices.Sorted(maps.Keys(en))
	if !slices.Equal(ruKeys, enKeys) {
		t.Fatalf("ru and en keys differ:\nru: %v\nen: %v", ruKeys, enKeys)
	}
	used := []string{KeyClosed, KeyLocalListenFailed, KeyNoAuthtoken, KeyBadAuthtoken, KeyOldAuthtoken,
		KeySessionLimit, KeyDomainNotYours, KeyEndpointInUse, KeyNoCredential, KeyUnreachable,
		KeyTLSIntercepted, KeyBadURL, KeyLost, KeyBlockedIP, KeyQuota, KeyLocationBlocked, KeyUnknown, KeyProbeUnreachable, KeyProbeRecovered, KeyURLChanged}
	for _, k := range used {
		if _, ok := ru[k]; !ok {
			t.Errorf("key %q used by the code is missing", k)
		}
	}
	for _, lang := range []map[string]string{ru, en} {
		for k, v := range lang {
			if !strings.HasPrefix(k, "tunnel.") {
				t.Errorf("key %q lacks the tunnel. prefix", k)
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("key %q has no text", k)
			}
			if _, err := template.New(k).Parse(v); err != nil {
				t.Errorf("key %q: bad template: %v", k, err)
			}
		}
	}
}
