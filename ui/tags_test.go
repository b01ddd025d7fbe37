package ui

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// productTags are the build tags of the released app: the Makefile's TAGS
// and those of scripts/dist.sh (fyne package adds migrated_fynedo itself).
// BenchmarkDesktopIdle measures the app built with them.
const productTags = "migrated_fynedo,no_emoji"

// TestProductTagsMatchTheBuilds keeps the benchmark measuring what is
// built and released: `make run` and both release packages use productTags.
func TestProductTagsMatchTheBuilds(t *testing.T) {
	want := strings.Split(productTags, ",")
	slices.Sort(want)
	tests := []struct {
		file  string
		re    string
		extra []string // added by the tool that builds
	}{
		{"../Makefile", `(?m)^TAGS \?= (.+)$`, nil},
		{"../scripts/dist.sh", `(?m)^tags=(\S+)$`, []string{"migrated_fynedo"}},
	}
	for _, tc := range tests {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(tc.re).FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s: no build tags found (%s)", tc.file, tc.re)
		}
		got := append(strings.FieldsFunc(string(m[1]), func(r rune) bool { return r == ' ' || r == ',' }), tc.extra...)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s builds with %v, the benchmark measures %v (productTags)", tc.file, got, want)
		}
	}
}
