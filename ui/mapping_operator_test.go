package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"mangotqm/app/bridge"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/mapping"
	"mangotqm/app/secrets"
	"mangotqm/ui/vm/vmtest"
)

// A backend that knows Mango's employees.
type namedFake struct {
	*vmtest.Fake
	names map[string]string
}

func (n namedFake) EmployeeNames(context.Context) map[string]string { return n.names }

// «Id оператора» in the mapping editor: the last group by default; the
// employee who answered when chosen (saved as the operatorId rule), with
// Mango's employees named.
func TestMappingEditorOperatorChoice(t *testing.T) {
	u := newTestUI(t, nil)
	f := namedFake{Fake: vmtest.New(t.TempDir(), testURL), names: map[string]string{"101": "Иванов Иван", "102": "Петрова Анна"}}
	e := newMappingEditor(u, f)
	e.pending.Wait()
	u.flush()
	if e.operator.Selected != u.tr.T("ui.mapping.operator.group") {
		t.Fatalf("default operator choice %q", e.operator.Selected)
	}
	if !strings.Contains(e.staff.Text, "101 — Иванов Иван") || !strings.Contains(e.staff.Text, "102 — Петрова Анна") {
		t.Fatalf("employees not shown: %q", e.staff.Text)
	}
	e.operator.SetSelected(u.tr.T("ui.mapping.operator.employee"))
	e.pending.Wait()
	u.flush()
	if !strings.HasPrefix(e.rows[mapping.FieldOperatorID].value.Text, "operator,") {
		t.Fatalf("operatorId parameters %q", e.rows[mapping.FieldOperatorID].value.Text)
	}
	test.Tap(e.save)
	saved := f.Saved()
	if len(saved) != 1 || mapping.OperatorMode(saved[0]) != mapping.OperatorEmployee {
		t.Fatalf("saved %+v", saved)
	}
	// Typing another list by hand shows «Свой список».
	e.rows[mapping.FieldOperatorID].value.SetText("myOperator")
	e.pending.Wait()
	u.flush()
	if e.operator.Selected != u.tr.T("ui.mapping.operator.custom") {
		t.Fatalf("hand-typed list shows %q", e.operator.Selected)
	}
}

// The bridge names employees from Mango's users list (the fake VPBX), and
// the calls table shows the name beside the extension.
func TestEmployeeNamesFromMango(t *testing.T) {
	const key, salt = "abcdefghijklmnopqrstuvwxyz1", "0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	fake := vpbxfake.New(key, salt, vpbxfake.WithUsers(vpbxfake.User{UserID: 1, Name: "Иванов Иван", Extension: "101"},
		vpbxfake.User{UserID: 2, Name: "Без добавочного"}))
	defer fake.Close()
	b, err := bridge.Open(ctx, bridge.Options{DataDir: t.TempDir(), Secrets: secrets.NewMemory(map[secrets.Name]string{
		secrets.MangoVPBXKey: key, secrets.MangoVPBXSalt: salt})})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	cfg := b.Config()
	cfg.VPBXURL = fake.URL()
	if err := b.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	names := b.EmployeeNames(ctx)
	if len(names) != 1 || names["101"] != "Иванов Иван" {
		t.Fatalf("names %v", names)
	}
	// Read once, then reused.
	before := len(fake.Requests())
	b.EmployeeNames(ctx)
	if len(fake.Requests()) != before {
		t.Error("Mango was asked again within the cache time")
	}
}
