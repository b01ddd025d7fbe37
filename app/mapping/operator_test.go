package mapping

import (
	"testing"

	"mangotqm/app/mango"
)

// «Id оператора»: the last group (default, Albato's) or the employee who
// answered, over calls from each road.
func TestOperatorChoice(t *testing.T) {
	if OperatorMode(Default()) != OperatorGroup {
		t.Fatalf("the default mapping's operator id is %q, want the last group", OperatorMode(Default()))
	}
	employee := WithOperator(Default(), OperatorEmployee)
	if OperatorMode(employee) != OperatorEmployee || OperatorMode(WithOperator(employee, OperatorGroup)) != OperatorGroup {
		t.Fatal("the choice does not round-trip")
	}
	custom := Default()
	custom.Rules = append([]Rule(nil), custom.Rules...)
	for i, r := range custom.Rules {
		if r.Field == FieldOperatorID {
			custom.Rules[i].Params = []string{"myOperator"}
		}
	}
	if OperatorMode(custom) != OperatorCustom {
		t.Fatal("a hand-typed list is not told apart")
	}
	base := mango.Params{"callId": "X-1", "dateStart": "2026-11-20T07:00Z", "dateEnd": "2026-11-20T07:04:30Z",
		"callerNumber": "74951234567"}
	with := func(kv ...string) mango.Params {
		p := mango.Params{}
		for k, v := range base {
			p[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		mode   string
		params mango.Params
		want   string
	}{
		{"webhook, group", OperatorGroup, with("lastGroup", "Продажи"), "Продажи"},
		{"webhook, employee falls back to the group", OperatorEmployee, with("lastGroup", "Продажи"), "Продажи"},
		{"VPBX call, group mode uses the extension", OperatorGroup, with("operator", "101"), "101"},
		{"VPBX call, employee", OperatorEmployee, with("operator", "101"), "101"},
		{"joined call (both), group", OperatorGroup, with("lastGroup", "Продажи", "operator", "101"), "Продажи"},
		{"joined call (both), employee", OperatorEmployee, with("lastGroup", "Продажи", "operator", "101"), "101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Apply(WithOperator(Default(), tc.mode), tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Get(FieldOperatorID); got != tc.want {
				t.Fatalf("operatorId = %q, want %q", got, tc.want)
			}
		})
	}
}
