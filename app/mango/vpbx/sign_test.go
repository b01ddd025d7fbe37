package vpbx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestSign(t *testing.T) {
	cases := []struct {
		key, json, salt string
		want            string // "" = compute independently below
	}{
		// Fixed vectors computed with coreutils sha256sum.
		{"key", "{}", "salt", "6a591005f93c3d5080524c57ebe649861d4ac51865ee447be2031ae531acb3e8"},
		{"k27charsvpbxapikey000000000", `{"recording_id":"MToxMDA=","action":"download"}`, "s32charsaltsaltsaltsaltsaltsalt",
			"5517e2e1577389b338ee7e8628ca87ed4a4a3be5b309943e22a092ce88daaa7b"},
		{"", "", "", ""},
		{"abc", `{"date_from":"1700000000","date_to":"1700003600","fields":"entry_id,records"}`, "xyz", ""},
		{"ключ", `{"name":"Иван"}`, "соль", ""},
	}
	for _, tc := range cases {
		want := tc.want
		if want == "" {
			sum := sha256.Sum256([]byte(tc.key + tc.json + tc.salt))
			want = hex.EncodeToString(sum[:])
		}
		got := Sign(tc.key, tc.json, tc.salt)
		if got != want {
			t.Errorf("Sign(%q,%q,%q) = %s, want %s", tc.key, tc.json, tc.salt, got, want)
		}
		if got != strings.ToLower(got) || len(got) != 64 {
			t.Errorf("Sign must be 64 lowercase hex digits, got %q", got)
		}
		m := hmac.New(sha256.New, []byte(tc.salt))
		m.Write([]byte(tc.key + tc.json))
		if got == hex.EncodeToString(m.Sum(nil)) {
			t.Errorf("Sign looks like HMAC, must be plain SHA-256")
		}
	}
}

func TestVerify(t *testing.T) {
	good := Sign("key", `{"a":1}`, "salt")
	cases := []struct {
		name, key, json, salt, sign string
		want                        bool
	}{
		{"good", "key", `{"a":1}`, "salt", good, true},
		{"uppercase hex", "key", `{"a":1}`, "salt", strings.ToUpper(good), true},
		{"other json", "key", `{"a": 1}`, "salt", good, false},
		{"other salt", "key", `{"a":1}`, "salt2", good, false},
		{"other key", "key2", `{"a":1}`, "salt", good, false},
		{"empty sign", "key", `{"a":1}`, "salt", "", false},
		{"truncated", "key", `{"a":1}`, "salt", good[:63], false},
	}
	for _, tc := range cases {
		if got := Verify(tc.key, tc.json, tc.salt, tc.sign); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseStatsCSV(t *testing.T) {
	fields := StatsFields()
	body := "e1;[r1,r2];1700000000;1700000100;1700000005;;79161234567;101;74950000000;1100;74950000000;abonent\r\n" +
		"e2;[];1700000200;1700000210;0;;+7 (903) 000-00-00;;;1111;74950000000;ivr\n" +
		"\r\n" +
		"e3;r9\n"
	rows := ParseStatsCSV([]byte(body), fields, Epoch{})
	if len(rows) != 3 {
		t.Fatalf("rows = %d, want 3: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.EntryID != "e1" || strings.Join(r.Records, ",") != "r1,r2" || r.Start.Unix() != 1700000000 ||
		r.Finish.Unix() != 1700000100 || r.Answer.Unix() != 1700000005 || r.FromNumber != "79161234567" ||
		r.ToExtension != "101" || r.DisconnectReason != 1100 || r.Location != "abonent" {
		t.Errorf("row 0 = %+v", r)
	}
	if len(rows[1].Records) != 0 || !rows[1].Answer.IsZero() || rows[1].Location != "ivr" {
		t.Errorf("row 1 = %+v", rows[1])
	}
	if rows[2].EntryID != "e3" || strings.Join(rows[2].Records, ",") != "r9" || !rows[2].Start.IsZero() {
		t.Errorf("short row 2 = %+v", rows[2])
	}
	shifted := ParseStatsCSV([]byte(body), fields, Epoch{Shift: MoscowShift})
	if d := rows[0].Start.Sub(shifted[0].Start); d != MoscowShift {
		t.Errorf("Epoch shift moved start by %s, want %s", d, MoscowShift)
	}
}

func TestEpoch(t *testing.T) {
	e := Epoch{Shift: MoscowShift}
	if got := e.Unix(e.Time(1700000000)); got != 1700000000 {
		t.Errorf("round trip = %d", got)
	}
	if got := (Epoch{}).Time(1700000000).Unix(); got != 1700000000 {
		t.Errorf("plain epoch = %d", got)
	}
	if !(Epoch{}).Time(0).IsZero() {
		t.Errorf("0 must be the zero time")
	}
}

func TestResultOf(t *testing.T) {
	for body, want := range map[string]int{
		`{"result":3102,"message":"x"}`: 3102,
		`{"result":"3105"}`:             3105,
		` {"key":"abc"}`:                0,
		`e1;[r1];1`:                     0,
		``:                              0,
	} {
		if got, _ := resultOf([]byte(body)); got != want {
			t.Errorf("resultOf(%q) = %d, want %d", body, got, want)
		}
	}
}
