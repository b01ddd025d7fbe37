package vpbx

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Sign returns Mango's request signature: the lowercase hex SHA-256 of
// key + json + salt (plain SHA-256 over the concatenation, not HMAC; docs/mango.md
// §3.2). json must be exactly the string sent in (or received as) the json
// form field.
func Sign(key, json, salt string) string {
	h := sha256.New()
	h.Write([]byte(key))
	h.Write([]byte(json))
	h.Write([]byte(salt))
	return hex.EncodeToString(h.Sum(nil))
}

// Verify reports whether sign is Sign(key, json, salt), comparing in constant
// time. Hex case is ignored.
func Verify(key, json, salt, sign string) bool {
	want := Sign(key, json, salt)
	got := strings.ToLower(strings.TrimSpace(sign))
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
