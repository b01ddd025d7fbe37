package vm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/delivery"
	"mangotqm/app/demo"
	"mangotqm/app/mango"
	"mangotqm/assets/i18n"
	"mangotqm/store"
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

func trIn(lang string) vm.TranslateData {
	return func(k string, d map[string]any) string { return i18n.T(lang, k, d) }
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// sample fills every parameter a code declares: a field name, a duration,
// or a marker that must show up in the text.
func sample(code string) calls.Reason {
	info, _ := calls.Code(code)
	r := calls.Reason{Code: code, Args: map[string]string{}}
	for _, a := range info.Args {
		switch {
		case a == calls.ArgField:
			r.Args[a] = "fileLink"
		case strings.HasSuffix(a, calls.DurSuffix):
			r.Args[a] = "1m30s"
		default:
			r.Args[a] = "⟨" + a + "⟩"
		}
	}
	return r
}

// Every reason code the lower layers can emit (the registry in app/calls)
// reads as Russian in the Russian UI and as English in the English one:
// never the bare key, never the English log text, no parameter lost, a
// field named as the mapping editor names it, a duration in the user's units.
func TestEveryReasonCodeIsTranslated(t *testing.T) {
	ru, en := trIn(i18n.RU), trIn(i18n.EN)
	for _, code := range calls.Codes() {
		if code == calls.CodeList { // has no text of its own: its parts
			continue
		}
		t.Run(code, func(t *testing.T) {
			r := sample(code)
			for _, lang := range []string{i18n.RU, i18n.EN} {
				if _, ok := i18n.Table(lang)[vm.ReasonKey(code)]; !ok {
					t.Errorf("%s: no %s text", code, lang)
				}
			}
			got := vm.ReasonText(r, ru)
			english := r.English()
			if got == vm.ReasonKey(code) || strings.Contains(got, "reason.") || strings.Contains(got, "{{") ||
				strings.Contains(got, "<no value>") {
				t.Fatalf("Russian text is the key or a broken template: %q", got)
			}
			if !hasCyrillic(got) || got == english || (english != "" && len(english) > 12 && strings.Contains(got, english)) {
				t.Errorf("not Russian: %q (English: %q)", got, english)
			}
			for name, v := range r.Args {
				switch {
				case name == calls.ArgField:
					if !strings.Contains(got, "(fileLink)") || !strings.Contains(got, "«") {
						t.Errorf("field not named in words: %q", got)
					}
				case strings.HasSuffix(name, calls.DurSuffix):
					if !strings.Contains(got, "1 мин 30 с") {
						t.Errorf("duration not in Russian units: %q", got)
					}
				case code != calls.CodeLegacy && !strings.Contains(got, v):
					t.Errorf("parameter %s lost: %q", name, got)
				}
			}
			if e := vm.ReasonText(r, en); e == vm.ReasonKey(code) || strings.Contains(e, "<no value>") || hasCyrillic(e) {
				t.Errorf("English UI text: %q", e)
			}
		})
	}
}

// Nested reasons (a list, a headline with its cause) are Russian all the
// way down; a reason with a code this version does not know shows its
// English rather than a key.
func TestNestedReasonsInRussian(t *testing.T) {
	ru := trIn(i18n.RU)
	for _, tt := range []struct {
		r    calls.Reason
		want string
	}{
		{calls.NewReason(calls.CodeGaveUp, "tries", "4").With(calls.NewReason(calls.CodeHTTPStatus, "status", "503")),
			"отправка прекращена после 4 попыток: TQM ответил ошибкой HTTP 503"},
		{calls.List(calls.NewReason(calls.CodeNoCallID), calls.NewReason(calls.CodeStartDate).With(calls.NewReason(calls.CodeDateMissing))),
			"в вебхуке нет ID звонка (callId); дата начала (dateStart): не указана"},
		{calls.NewReason(calls.CodeCannotSend).With(calls.NewReason(calls.CodeMissing, calls.ArgField, "fileLink"),
			calls.NewReason(calls.CodeEndBeforeStart)),
			"звонок нельзя отправить в TQM: нет поля «Ссылка на запись» (fileLink) — TQM его требует; конец звонка раньше начала"},
		{calls.Legacy("gave up after 4 tries: TQM answered HTTP 503"),
			"Подробности (по-английски): gave up after 4 tries: TQM answered HTTP 503"},
		{calls.NewReason("from.a.newer.version"), "from.a.newer.version"},
	} {
		if got := vm.ReasonText(tt.r, ru); got != tt.want {
			t.Errorf("ReasonText(%+v) =\n%q, want\n%q", tt.r, got, tt.want)
		}
	}
}

// englishReasons are fragments of the lower layers' English reason texts:
// none may reach the Russian table, details or CSV.
var englishReasons = []string{"duplicate of", "gave up", "answered HTTP", "no call id", "internal call",
	"missed call", "cannot be sent", "is missing", "same call as", "does not record", "no recording"}

func assertRussian(t *testing.T, where, text string) {
	t.Helper()
	if text == "" || !hasCyrillic(text) {
		t.Errorf("%s: no Russian reason: %q", where, text)
	}
	for _, e := range englishReasons {
		if strings.Contains(text, e) {
			t.Errorf("%s: English %q in %q", where, e, text)
		}
	}
}

// Over a real demo bridge (SQLite, receiver, delivery, sandbox TQM): a
// failed, an invalid and a duplicate call show Russian reasons in the
// table, the details (with their tries) and the CSV.
func TestDemoReasonsInRussian(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the demo's retry schedule")
	}
	ctx := context.Background()
	c := newDemo(t)
	ru := trIn(i18n.RU)
	// The same webhook twice: the second is a duplicate. The first is
	// delivered before the sandbox starts failing.
	first, err := c.Simulate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, first, calls.StatusDelivered, 15*time.Second)
	failed, err := c.SimulateScenario(ctx, demo.ScenarioFailed)
	if err != nil {
		t.Fatal(err)
	}
	invalid, err := c.SimulateScenario(ctx, demo.ScenarioInvalid)
	if err != nil {
		t.Fatal(err)
	}
	fc, _, _ := c.Call(ctx, first)
	var req mango.Request
	if err := json.Unmarshal([]byte(fc.Raw), &req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(c.Endpoints()[0].URL + "?" + req.Query)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, c, invalid, calls.StatusInvalid, 15*time.Second)
	waitFor(t, c, failed, calls.StatusFailed, time.Duration(len(demo.Schedule)+4)*8*time.Second)

	table := vm.NewCalls(c, nil, ru)
	if err := table.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	rows := table.Rows()
	want := map[calls.Status]int64{calls.StatusFailed: failed, calls.StatusInvalid: invalid, calls.StatusDuplicate: 0}
	checkRows(t, c, rows, want, ru)
}

// Over a real store: calls skipped at intake (internal) and at import
// (missed), and a row written before reasons had codes, read through the
// view models in Russian.
func TestStoredSkippedReasonsInRussian(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	b := storeBackend{Fake: vmtest.New(t.TempDir(), ""), st: st}
	if _, err := st.IntakeJoin(ctx, store.NewCall{Source: calls.SourceVPBX, CallID: "E1", Raw: "{}"},
		store.IntakeOptions{Skip: calls.NewReason(calls.CodeInternal)}); err != nil {
		t.Fatal(err)
	}
	missed := store.MangoCall{NewCall: store.NewCall{Source: calls.SourceReconcile, CallID: "E2", Raw: "{}",
		Caller: "79161234567", Started: time.Now()}, Skip: calls.NewReason(calls.CodeMissed)}
	if _, err := st.ImportMango(ctx, []store.MangoCall{missed}, 0, nil); err != nil {
		t.Fatal(err)
	}
	ru := trIn(i18n.RU)
	table := vm.NewCalls(b, nil, ru)
	if err := table.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	checkRows(t, b, table.Rows(), map[calls.Status]int64{calls.StatusSkipped: 0}, ru)
}

// checkRows asserts a Russian reason for each wanted status (row 0: any
// row of that status) in the table, the details and the CSV.
func checkRows(t *testing.T, b vm.DetailsSource, rows []vm.Row, want map[calls.Status]int64, ru vm.TranslateData) {
	t.Helper()
	ctx := context.Background()
	seen := map[calls.Status]bool{}
	for _, r := range rows {
		row, ok := want[r.Status]
		if !ok || (row != 0 && row != r.ID) {
			continue
		}
		seen[r.Status] = true
		assertRussian(t, "table "+string(r.Status), r.Note)
		d, err := vm.LoadDetails(ctx, b, r.ID, nil, ru)
		if err != nil {
			t.Fatal(err)
		}
		assertRussian(t, "details "+string(r.Status), d.Reason)
		for i, a := range d.Attempts {
			if a.Error != "" && a.Outcome != calls.OutcomeDelivered {
				assertRussian(t, "try "+string(rune('1'+i))+" of "+string(r.Status), a.Error)
			}
		}
		var buf bytes.Buffer
		if err := vm.WriteCSV(&buf, []vm.Row{r}, func(k string) string { return ru(k, nil) }); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		note := lines[len(lines)-1][strings.LastIndex(lines[len(lines)-1], ";")+1:]
		assertRussian(t, "CSV "+string(r.Status), note)
	}
	for s := range want {
		if !seen[s] {
			t.Errorf("no %s row among %d", s, len(rows))
		}
	}
}

func waitFor(t *testing.T, b vm.CallLog, row int64, status calls.Status, within time.Duration) {
	t.Helper()
	var c calls.Call
	if !clocktest.Poll(context.Background(), within, func() bool {
		var err error
		if c, _, err = b.Call(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		return c.Status == status
	}) {
		t.Fatalf("call %d is %s (%s), want %s", row, c.Status, c.LastError, status)
	}
}

// storeBackend is the fake backend with a real store's calls.
type storeBackend struct {
	*vmtest.Fake
	st *store.Store
}

func (b storeBackend) Calls(ctx context.Context, f calls.Filter) ([]calls.Call, error) {
	return b.st.List(ctx, f)
}

func (b storeBackend) Call(ctx context.Context, row int64) (calls.Call, []calls.Attempt, error) {
	c, err := b.st.Get(ctx, row)
	if err != nil {
		return calls.Call{}, nil, err
	}
	atts, err := b.st.Attempts(ctx, row)
	return c, atts, err
}

func (b storeBackend) AttemptCounts(ctx context.Context, rows []int64) (map[int64]int, error) {
	out := map[int64]int{}
	for _, r := range rows {
		atts, err := b.st.Attempts(ctx, r)
		if err != nil {
			return nil, err
		}
		out[r] = len(atts)
	}
	return out, nil
}

// The delivery worker's incidents (worded in English for the log) notify
// in Russian.
func TestIncidentNotificationsInRussian(t *testing.T) {
	ru := trIn(i18n.RU)
	for _, kind := range []string{delivery.IncidentCallFailed, delivery.IncidentKeyRejected} {
		got := vm.IncidentText(calls.Incident{Kind: kind, Message: "gave up after 4 tries: TQM answered HTTP 503"}, ru)
		assertRussian(t, kind, got)
		if strings.Contains(got, "reason.") {
			t.Errorf("%s: key shown: %q", kind, got)
		}
	}
	if got := vm.IncidentText(calls.Incident{Kind: "tunnel_down", Message: "Туннель недоступен"}, ru); got != "Туннель недоступен" {
		t.Errorf("a translated incident changed: %q", got)
	}
}
