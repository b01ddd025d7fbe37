package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mangotqm/app/calls"
	"mangotqm/store"
)

// A call skipped by an import rule is listed with its rule and can be sent
// anyway.
func TestSkippedByRuleListedAndResent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := st.Intake(ctx, store.NewCall{Source: calls.SourceCalltracking, CallID: "sent", Params: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	skipped, err := st.Intake(ctx, store.NewCall{Source: calls.SourceReconcile, CallID: "out", Params: "{}",
		Skip: calls.NewReason(calls.CodeRuleOutbound)})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, said := run(t, "calls", "--data-dir", dir, "--status", "skipped")
	if code != 0 {
		t.Fatalf("calls: exit %d: %s", code, said)
	}
	if !strings.Contains(said, "outbound calls are not sent") || !strings.Contains(said, "skipped by the import rules") {
		t.Fatalf("calls --status skipped does not name the rule:\n%s", said)
	}
	if strings.Contains(said, "\n"+strconv.FormatInt(sent.ID, 10)+" ") {
		t.Fatalf("a queued call is listed as skipped:\n%s", said)
	}
	if code, said := run(t, "resend", "--data-dir", dir, strconv.FormatInt(skipped.ID, 10)); code != 0 {
		t.Fatalf("resend: exit %d: %s", code, said)
	}
	st, err = store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Get(ctx, skipped.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != calls.StatusQueued || c.Reason != "" {
		t.Fatalf("after resend: %s %q, want queued without the rule", c.Status, c.Reason)
	}
}

func TestSkippedSummaryNamesEachRule(t *testing.T) {
	by := map[string]int{calls.CodeRuleOutbound: 41, calls.CodeRuleMissed: 19, calls.CodeRuleLine: 9, calls.CodeShort: 2}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"ru", []string{"исходящие — 41", "пропущенные (без ответа) — 19", "на других линиях — 9", "6 с — 2"}},
		{"en", []string{"outbound — 41", "missed (not answered) — 19", "on other lines — 9", "~6 s — 2"}},
	} {
		got := skippedSummary(tc.lang, by)
		last := -1
		for _, w := range tc.want {
			i := strings.Index(got, w)
			if i < 0 || i < last {
				t.Errorf("%s: %q missing or out of order in:\n%s", tc.lang, w, got)
			}
			last = i
		}
	}
}

// serve refuses bad import rules on the command line, naming the flag or
// the rule, and creates no database.
func TestServeRefusesBadRules(t *testing.T) {
	t.Setenv("MANGOTQM_TQM_KEY", "cli-test-tqm-key-0123456789")
	t.Setenv("MANGOTQM_WEBHOOK_SECRET", strings.Repeat("a1", 16))
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		says []string
	}{
		{[]string{"--rules-min-talk", "abc"}, []string{"--rules-min-talk", `"abc" is not a whole number of seconds`}},
		{[]string{"--rules-min-talk", "-3"}, []string{"min_talk", "negative"}},
		{[]string{"--rules-lines", "office"}, []string{"line_list", `"office" is not a phone number`}},
		{[]string{"--rules-hours", "18:00-09:00"}, []string{"hours_to", "end before they start"}},
		{[]string{"--rules-directions", "sideways"}, []string{"--rules-directions"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, said := run(t, append([]string{"serve", "--data-dir", dir, "--secrets", "env"}, tc.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", code, said)
			}
			for _, w := range tc.says {
				if !strings.Contains(said, w) {
					t.Errorf("%q not said:\n%s", w, said)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		t.Fatal("a refused serve created a database")
	}
}
