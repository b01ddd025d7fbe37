package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/ui/vm"
)

// The rules page over a real bridge: it shows the saved rules, refuses bad
// input in Russian naming the field (nothing saved), saves good input, and
// its preview says what it counted.
func TestRulesPage(t *testing.T) {
	ctx := context.Background()
	u := newTestUI(t, nil)
	b, err := bridge.Open(ctx, bridge.Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	u.bridge = b
	p := newRulesPage(u, b)
	settle := func() {
		p.pending.Wait()
		u.flush()
	}
	settle()
	if !p.inbound.Checked || p.outbound.Checked || !p.answered.Checked || p.lines.Selected != u.tr.T("rules.lines.tracking") {
		t.Fatalf("the page does not show the default rules")
	}
	if !strings.Contains(p.preview.Text, "Из 0 звонков") || !strings.Contains(p.preview.Text, "пока неизвестны") ||
		!strings.Contains(p.preview.Text, "ключ ВАТС не задан") {
		t.Fatalf("preview: %q", p.preview.Text)
	}
	for _, tc := range []struct {
		name string
		edit func()
		want []string
	}{
		{"negative talk", func() { p.minTalk.SetText("-5") }, []string{"Минимальная длительность разговора, с", "не может быть меньше нуля"}},
		{"talk not a number", func() { p.minTalk.SetText("abc") }, []string{"Минимальная длительность разговора, с", "«abc» — не целое число секунд"}},
		{"line not a phone", func() { p.lines.SetSelected(u.tr.T("rules.lines.list")); p.lineList.SetText("офис") },
			[]string{"Список линий", "«офис» — не номер телефона"}},
		{"hours end before start", func() { p.hoursOn.SetChecked(true); p.hoursFrom.SetText("19:00"); p.hoursTo.SetText("10:00") },
			[]string{"Рабочее время: конец", "заканчивается раньше"}},
		{"unknown time zone", func() { p.hoursOn.SetChecked(true); p.hoursZone.SetText("Москва") },
			[]string{"Рабочее время: часовой пояс", "«Москва» — не часовой пояс"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.fill(mustForm(b), false)
			tc.edit()
			settle()
			test.Tap(p.save)
			if !p.problem.Visible() {
				t.Fatal("no problem shown")
			}
			for _, w := range tc.want {
				if !strings.Contains(p.problem.Text, w) {
					t.Errorf("problem %q does not say %q", p.problem.Text, w)
				}
			}
			if b.Config().Rules.MinTalk != 0 || b.Config().Rules.Lines != config.LinesTracking || b.Config().Rules.Hours.On {
				t.Fatalf("bad input was saved: %+v", b.Config().Rules)
			}
		})
	}
	p.fill(mustForm(b), false)
	p.outbound.SetChecked(true)
	p.minTalk.SetText("20")
	p.tracking.SetText("+7 495 111-22-33")
	settle()
	if p.problem.Visible() {
		t.Fatalf("a good form shows a problem: %q", p.problem.Text)
	}
	test.Tap(p.save)
	if r := b.Config().Rules; !r.Outbound || r.MinTalk != 20 {
		t.Fatalf("saved %+v", r)
	}
	settle()
	if strings.Contains(p.preview.Text, "пока неизвестны") {
		t.Errorf("a tracking number is known now, the preview says otherwise: %q", p.preview.Text)
	}
}

func mustForm(b *bridge.Bridge) vm.RulesForm {
	nums, _ := b.TrackingNumbers(context.Background())
	return vm.RulesFormOf(b.Config().Rules, nums)
}
