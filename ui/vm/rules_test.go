package vm_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/rules"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/ui/vm"
	"mangotqm/ui/vm/vmtest"
)

func trRU(key string, data map[string]any) string { return i18n.T(i18n.RU, key, data) }

// Bad input is refused in Russian, naming the field, and nothing is saved.
func TestRulesBadInputRefusedInRussian(t *testing.T) {
	ctx := context.Background()
	b, err := bridge.Open(ctx, bridge.Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	before := b.Config()
	for _, tc := range []struct {
		name string
		edit func(*vm.RulesForm)
		want []string // in the Russian message
	}{
		{"negative talk time", func(f *vm.RulesForm) { f.MinTalk = "-5" }, []string{"Минимальная длительность разговора", "меньше нуля"}},
		{"talk time not a number", func(f *vm.RulesForm) { f.MinTalk = "полминуты" }, []string{"Минимальная длительность разговора", "«полминуты» — не целое число секунд"}},
		{"line not a phone", func(f *vm.RulesForm) {
			f.Lines, f.LineList = config.LinesList, "74951112233\nофис на Тверской"
		},
			[]string{"Список линий", "«офис на Тверской» — не номер телефона"}},
		{"tracking number not a phone", func(f *vm.RulesForm) { f.Tracking = "abc" }, []string{"Номера коллтрекинга", "«abc» — не номер телефона"}},
		{"hours end before start", func(f *vm.RulesForm) { f.HoursOn, f.HoursFrom, f.HoursTo = true, "18:00", "09:00" },
			[]string{"Рабочее время: конец", "заканчивается раньше, чем начинается"}},
		{"hours not a time", func(f *vm.RulesForm) { f.HoursOn, f.HoursFrom = true, "утро" }, []string{"Рабочее время: начало", "«утро» — не время вида 09:00"}},
		{"no direction", func(f *vm.RulesForm) { f.Inbound = false }, []string{"Направления", "хотя бы одно направление"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := vm.RulesFormOf(config.DefaultRules(), nil)
			tc.edit(&f)
			err := vm.SaveRules(ctx, b, f)
			if err == nil {
				t.Fatal("bad input was saved")
			}
			var re *config.RuleError
			if !errors.As(err, &re) {
				t.Fatalf("error %v names no field", err)
			}
			msg := vm.RuleErrorText(err, trRU)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "rules.") {
				t.Errorf("untranslated key in %q", msg)
			}
			if !reflect.DeepEqual(b.Config(), before) {
				t.Fatalf("the configuration changed: %+v", b.Config().Rules)
			}
		})
	}
}

// Good input is saved (rules and tracking numbers) and read back as typed.
func TestRulesSavedAndShownBack(t *testing.T) {
	ctx := context.Background()
	b, err := bridge.Open(ctx, bridge.Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	f := vm.RulesFormOf(b.Config().Rules, nil)
	f.Outbound, f.MinTalk, f.Tracking = true, "15", "+7 (495) 111-22-33, 84952223344"
	f.HoursOn, f.HoursFrom, f.HoursTo, f.Days = true, "08:30", "20:00", [7]bool{true, true, true, true, true}
	f.ExcludeGroups = "Бухгалтерия"
	if err := vm.SaveRules(ctx, b, f); err != nil {
		t.Fatal(vm.RuleErrorText(err, trRU))
	}
	r := b.Config().Rules
	if !r.Outbound || !r.Inbound || r.MinTalk != 15 || !r.Hours.On || r.Hours.From != "08:30" ||
		!reflect.DeepEqual(r.Hours.Days, []int{1, 2, 3, 4, 5}) || !reflect.DeepEqual(r.ExcludeGroups, []string{"Бухгалтерия"}) {
		t.Fatalf("saved rules %+v", r)
	}
	nums, err := b.TrackingNumbers(ctx)
	if err != nil || len(nums) != 2 {
		t.Fatalf("tracking numbers %+v, %v", nums, err)
	}
	back := vm.RulesFormOf(r, nums)
	if back.MinTalk != "15" || back.Days != f.Days || !strings.Contains(back.Tracking, "+7 (495) 111-22-33") {
		t.Fatalf("shown back %+v", back)
	}
	// The preview over this (empty) store says so plainly.
	p, err := b.RulesPreview(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stored.Total != 0 || p.Mango != nil || p.Tracking != 2 {
		t.Fatalf("preview %+v", p)
	}
}

func TestRulesPreviewText(t *testing.T) {
	p := rules.Preview{
		Mango: &rules.Figures{Total: 212, Pass: 143, Skipped: map[string]int{
			calls.CodeRuleOutbound: 41, calls.CodeRuleMissed: 19, calls.CodeRuleLine: 9}},
		Stored: rules.Figures{Total: 10, Pass: 10},
	}
	got := vm.RulesPreviewText(p, config.DefaultRules(), trRU)
	for _, w := range []string{
		"Из 212 звонков за сутки в статистике Mango в TQM попадут 143; не попадут: исходящие — 41, пропущенные (без ответа) — 19, на других линиях — 9",
		"Из 10 звонков, полученных приложением за сутки, в TQM попали бы 10",
		"Номера коллтрекинга пока неизвестны",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("preview text does not say %q:\n%s", w, got)
		}
	}
	p.Tracking, p.Mango = 1, nil
	got = vm.RulesPreviewText(p, config.DefaultRules(), trRU)
	if strings.Contains(got, "пока неизвестны") || !strings.Contains(got, "ключ ВАТС не задан") {
		t.Errorf("with a known number and no VPBX key:\n%s", got)
	}
}

// The table shows a call skipped by rule as «Пропущен по правилу», the
// filter selects exactly those, and the details offer «Отправить всё равно».
func TestSkippedByRuleInTheWindow(t *testing.T) {
	byRule := calls.Call{ID: 1, Status: calls.StatusSkipped, ReasonCoded: calls.NewReason(calls.CodeRuleOutbound)}
	other := calls.Call{ID: 2, Status: calls.StatusSkipped, ReasonCoded: calls.NewReason(calls.CodeMissed)}
	if r := vm.RowOf(byRule, trRU); r.Status != vm.StatusSkippedByRule || ru(vm.StatusKey(r.Status)) != "Пропущен по правилу" ||
		!strings.Contains(r.Note, "исходящие звонки не отправляются") {
		t.Errorf("row of a call skipped by rule: %+v (%s)", r, ru(vm.StatusKey(r.Status)))
	}
	if r := vm.RowOf(other, trRU); r.Status != calls.StatusSkipped {
		t.Errorf("row of a call skipped for no recording: %+v", r)
	}
	c := vm.NewCalls(nil, nil, nil)
	c.SetFilter(vm.StatusSkippedByRule, vm.PeriodAll, "")
	if f := c.Filter(); !f.ByRule || len(f.Statuses) != 0 {
		t.Errorf("filter «Пропущен по правилу» = %+v", f)
	}
	if (vm.Details{SkippedByRule: true}).ResendKey() != "ui.action.send_anyway" || ru("ui.action.send_anyway") != "Отправить всё равно" {
		t.Error("no «Отправить всё равно» for a call skipped by rule")
	}
	if (vm.Details{}).ResendKey() != "ui.action.resend" {
		t.Error("other calls lost their resend button")
	}
}

type namedBackend struct {
	*vmtest.Fake
	names map[string]string
}

func (n namedBackend) EmployeeNames(context.Context) map[string]string { return n.names }

// The calls table names the employee beside the extension when Mango's
// users list is known.
func TestTableNamesEmployees(t *testing.T) {
	f := vmtest.New(t.TempDir(), "https://example.test/mango/x/calltracking")
	f.AddCall(calls.Call{Operator: "101", Status: calls.StatusDelivered, Received: time.Now()})
	f.AddCall(calls.Call{Operator: "Отдел продаж", Status: calls.StatusDelivered, Received: time.Now()})
	c := vm.NewCalls(namedBackend{Fake: f, names: map[string]string{"101": "Иванов Иван"}}, nil, nil)
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, r := range c.Rows() {
		ops = append(ops, r.Operator)
	}
	if !slices.Contains(ops, "101 · Иванов Иван") || !slices.Contains(ops, "Отдел продаж") {
		t.Fatalf("operators %v", ops)
	}
}

func TestBackfillSummaryBySkippedRule(t *testing.T) {
	got := vm.SkippedByText(map[string]int{calls.CodeRuleOutbound: 3, calls.CodeRuleLine: 5}, trRU)
	if got != "\nНе отправлялись: на других линиях — 5, исходящие — 3" {
		t.Fatalf("%q", got)
	}
	if vm.SkippedByText(nil, trRU) != "" {
		t.Fatal("text for no skipped call")
	}
}
