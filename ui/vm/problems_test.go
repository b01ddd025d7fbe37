package vm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/reconcile"
	"mangotqm/assets/i18n"
)

func ru(k string) string { return i18n.T(i18n.RU, k, nil) }

func TestConfigProblemsNameTheField(t *testing.T) {
	bad := config.Default()
	bad.TQMURL = "tqm bank"
	own := config.Default()
	own.Road.Kind = config.RoadOwn
	own.Road.PublicURL = "http://x.ru"
	for _, tc := range []struct {
		name string
		err  error
		want []string // the problems' texts, in Russian
	}{
		{"tqm-url", bad.Validate(), []string{"Адрес TQM: нужен адрес вида https://адрес.ru"}},
		{"road (nested join)", own.Validate(), []string{"Внешний адрес: нужен адрес https://…, по которому этот компьютер доступен из интернета, без «?» и «#»"}},
		{"mapping zone", fmt.Errorf("save mapping: %w", calls.NewReason(calls.CodeMappingZone, calls.ArgError, "unknown time zone Mars/Olympus").Err()),
			[]string{"Часовой пояс: часовой пояс не найден; укажите его так, как в списке часовых поясов, например Europe/Moscow или Asia/Yekaterinburg"}},
		{"unknown", errors.New("disk full"), []string{"значение не подходит — подробности ниже"}},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ConfigProblems(tc.err)
			if len(got) != len(tc.want) {
				t.Fatalf("%d problems %+v, want %d", len(got), got, len(tc.want))
			}
			for i, p := range got {
				if s := p.Text(ru); s != tc.want[i] {
					t.Errorf("problem %d: %q, want %q", i, s, tc.want[i])
				}
				if p.Detail == "" {
					t.Errorf("problem %d keeps no technical detail", i)
				}
				if regexp.MustCompile(`is not|unknown|not an`).MatchString(p.Text(ru)) {
					t.Errorf("problem %d speaks English: %q", i, p.Text(ru))
				}
			}
		})
	}
}

// The settings refuse what the wizard refuses: an empty ngrok domain on
// the ngrok road, a malformed one on any road, in the wizard's words.
func TestSettingsProblemsAsTheWizard(t *testing.T) {
	dom := regexp.MustCompile(`^(https://)?[a-z0-9.-]+\.[a-z]+$`).MatchString
	ngrok := config.Default()
	poll := config.Default()
	poll.Road.Kind = config.RoadPoll
	for _, tc := range []struct {
		name   string
		c      config.Config
		domain string
		want   string // "" = accepted
	}{
		{"empty on ngrok", ngrok, "", "Домен ngrok: " + ru("ui.wizard.required")},
		{"malformed", ngrok, "not a domain", "Домен ngrok: " + ru("ui.wizard.bad.domain")},
		{"good", ngrok, "https://name.ngrok-free.dev", ""},
		{"empty on poll", poll, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.NgrokDomain = config.NormalizeDomain(tc.domain)
			checks := []FieldCheck{{LabelKey: "ui.wizard.ngrok.domain", Value: c.NgrokDomain,
				Required: NgrokDomainRequired(c), Check: dom, BadKey: "ui.wizard.bad.domain"}}
			p := SettingsProblems(c, checks)
			switch {
			case tc.want == "" && len(p) != 0:
				t.Fatalf("refused: %+v", p)
			case tc.want != "" && (len(p) != 1 || p[0].Text(ru) != tc.want):
				t.Fatalf("problems %+v, want one %q", p, tc.want)
			}
		})
	}
}

func TestOfflineIsNotMangosFault(t *testing.T) {
	dns := &net.DNSError{Err: "no such host", Name: "app.mango-office.ru", IsNotFound: true}
	unreach := &net.OpError{Op: "dial", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ENETUNREACH}}
	refused := &net.OpError{Op: "dial", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	for _, tc := range []struct {
		err    error
		reason string
	}{
		{fmt.Errorf("reconcile: stats/request: %w", dns), "reconcile.fail.offline"},
		{fmt.Errorf("reconcile: %w", unreach), "reconcile.fail.offline"},
		{fmt.Errorf("reconcile: %w", refused), "reconcile.fail.network"},
		{context.DeadlineExceeded, "reconcile.fail.network"},
	} {
		l := ReconcileLineOf(reconcile.Result{At: time.Now(), Err: tc.err})
		if l.ReasonKey != tc.reason {
			t.Errorf("%v: reason %q, want %q", tc.err, l.ReasonKey, tc.reason)
		}
	}
	if p := ErrorProblem("ui.error.backfill", fmt.Errorf("x: %w", dns)); p.Key != "desk.fix.offline" || p.Detail == "" {
		t.Errorf("ErrorProblem: %+v", p)
	}
	if p := ErrorProblem("ui.error.export", errors.New("disk full")); p.Key != "ui.error.export" {
		t.Errorf("ErrorProblem: %+v", p)
	}
}

func TestParseDateBothForms(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	for _, tc := range []struct {
		in       string
		want     time.Time
		dateOnly bool
		ok       bool
	}{
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, msk), true, true},
		{"01.11.2026", time.Date(2026, 11, 1, 0, 0, 0, 0, msk), true, true},
		{"1.11.2026", time.Date(2026, 11, 1, 0, 0, 0, 0, msk), true, true},
		{" 01.11.2026  09:30 ", time.Date(2026, 11, 1, 9, 30, 0, 0, msk), false, true},
		{"2026-11-01 09:30:15", time.Date(2026, 11, 1, 9, 30, 15, 0, msk), false, true},
		{"2026-11-01T09:30", time.Date(2026, 11, 1, 9, 30, 0, 0, msk), false, true},
		{"31.02.2026", time.Time{}, false, false},
		{"01/11/2026", time.Time{}, false, false},
		{"", time.Time{}, false, false},
	} {
		got, only, err := ParseDate(tc.in, msk)
		if (err == nil) != tc.ok || (tc.ok && (!got.Equal(tc.want) || only != tc.dateOnly)) {
			t.Errorf("ParseDate(%q) = %v %v %v", tc.in, got, only, err)
		}
	}
}

func TestBackfillDateRules(t *testing.T) {
	now := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, to string
		field    string
		rule     DateRule
	}{
		{"01.03.2026", "31.03.2026", "", ""},
		{"2026-03-01", "31.03.2026 18:00", "", ""},
		{"2026-07-01", "2026-07-31", "from", DateFuture},
		{"31.03.2026", "01.03.2026", "to", DateOrder},
		{"март", "", "from", DateFormat},
		{"01.03.2026", "вчера", "to", DateFormat},
	} {
		_, _, err := ParseBackfill(tc.from, tc.to, now)
		var de *DateError
		switch {
		case tc.rule == "" && err != nil:
			t.Errorf("%s–%s refused: %v", tc.from, tc.to, err)
		case tc.rule != "" && (!errors.As(err, &de) || de.Field != tc.field || de.Rule != tc.rule):
			t.Errorf("%s–%s: %v, want %s/%s", tc.from, tc.to, err, tc.field, tc.rule)
		case de != nil:
			msg := i18n.T(i18n.RU, de.Key(), de.Data(ru))
			if !i18n.Has(de.Key()) || msg == "" || !errors.Is(err, ErrBackfillDates) {
				t.Errorf("%s: message %q", de.Key(), msg)
			}
		}
	}
}

func TestEveryInWords(t *testing.T) {
	tr := func(lang string) TranslateData {
		return func(k string, d map[string]any) string { return i18n.T(lang, k, d) }
	}
	for _, tc := range []struct {
		d      time.Duration
		ru, en string
	}{
		{5 * time.Minute, "каждые 5 минут", "every 5 minutes"},
		{15 * time.Minute, "каждые 15 минут", "every 15 minutes"},
		{30 * time.Minute, "каждые 30 минут", "every 30 minutes"},
		{time.Hour, "каждый час", "every hour"},
		{2 * time.Hour, "каждые 2 часа", "every 2 hours"},
		{90 * time.Minute, "каждые 1 час 30 минут", "every 1 hour 30 minutes"},
		{22 * time.Minute, "каждые 22 минуты", "every 22 minutes"},
	} {
		if got := EveryPhrase(tc.d, tr(i18n.RU)); got != tc.ru {
			t.Errorf("ru %s: %q, want %q", tc.d, got, tc.ru)
		}
		if got := EveryPhrase(tc.d, tr(i18n.EN)); got != tc.en {
			t.Errorf("en %s: %q, want %q", tc.d, got, tc.en)
		}
	}
}

func TestAttemptsInWords(t *testing.T) {
	tr := func(k string, d map[string]any) string { return i18n.T(i18n.RU, k, d) }
	t0 := time.Date(2026, 12, 4, 14, 0, 0, 0, time.Local)
	lines := []AttemptLine{
		{Time: "04.12 14:00:00", Outcome: calls.OutcomeRetry, HTTPStatus: 503, Response: `{"error":"busy"}`, CorrelationID: "c-1"},
		{Time: "04.12 14:05:00", Outcome: calls.OutcomeRetry, HTTPStatus: 503, Duration: 1200 * time.Millisecond},
	}
	retryTimes(lines, []time.Time{t0, t0.Add(5 * time.Minute)},
		calls.Call{Status: calls.StatusRetrying, NextAttempt: t0.Add(10 * time.Minute)})
	got := AttemptsText(lines, tr)
	for _, want := range []string{
		"1. 04.12 14:00:00 — Ошибка TQM: HTTP 503, ответ через 0 с; повтор в 14:05",
		"2. 04.12 14:05:00 — Ошибка TQM: HTTP 503, ответ через 1,2 с; повтор в 14:10",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tries lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "x-correlation-id") || strings.Contains(got, "busy") {
		t.Errorf("raw data in the plain text:\n%s", got)
	}
	if raw := AttemptsRaw(lines); !strings.Contains(raw, "x-correlation-id: c-1") || !strings.Contains(raw, `{"error":"busy"}`) {
		t.Errorf("raw:\n%s", raw)
	}
	delivered := []AttemptLine{{Time: "x", Outcome: calls.OutcomeDelivered, HTTPStatus: 200}}
	retryTimes(delivered, []time.Time{t0}, calls.Call{Status: calls.StatusDelivered})
	if s := AttemptsText(delivered, tr); strings.Contains(s, "повтор") || !strings.Contains(s, "Доставлен в TQM") {
		t.Errorf("delivered: %s", s)
	}
}

func TestEnumChoicesInPlainWords(t *testing.T) {
	cs := EnumChoices("hangupParty")
	if len(cs) == 0 {
		t.Fatal("no choices for hangupParty")
	}
	for _, c := range cs {
		if !i18n.Has(c.Key) || i18n.T(i18n.EN, c.Key, nil) == i18n.T(i18n.RU, c.Key, nil) {
			t.Errorf("%s has no words", c.Key)
		}
	}
	if l := EnumLabel(cs[EnumIndex(cs, "client")], ru); l != "Клиент (client)" {
		t.Errorf("label %q", l)
	}
	if EnumChoices("id") != nil || EnumIndex(cs, "nobody") != -1 {
		t.Error("free text got choices")
	}
}
