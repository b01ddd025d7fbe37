package calls_test

import (
	"testing"

	"mangotqm/app/calls"
)

func TestDecodeParams(t *testing.T) {
	for _, tc := range []struct {
		name, stored string
		want         map[string]string
		err          bool
	}{
		{"empty", "", map[string]string{}, false},
		{"object of strings", `{"callId":"A1","caller_number":"79161234567"}`, map[string]string{"callId": "A1", "caller_number": "79161234567"}, false},
		{"numbers, booleans and nulls", `{"duration":65,"rate":1.5,"answered":true,"gone":null}`, map[string]string{"duration": "65", "rate": "1.5", "answered": "true"}, false},
		{"not an object", `["a"]`, map[string]string{}, true},
		{"not json", "callId=1", map[string]string{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := calls.DecodeParams(tc.stored)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if len(p) != len(tc.want) {
				t.Fatalf("params = %v, want %v", p, tc.want)
			}
			for k, v := range tc.want {
				if p[k] != v {
					t.Errorf("%s = %q, want %q", k, p[k], v)
				}
			}
			c := calls.Call{Params: tc.stored}
			if got := c.Parameters(); len(got) != len(tc.want) {
				t.Errorf("Call.Parameters = %v", got)
			}
		})
	}
	p, _ := calls.DecodeParams(`{"CALL_ID":" 7 ","entryId":""}`)
	if p.Get("callId") != "7" || p.Get("entryId", "call-id") != "7" {
		t.Errorf("tolerant lookup: %v", p)
	}
	if back, _ := calls.DecodeParams(p.JSON()); back["CALL_ID"] != " 7 " {
		t.Errorf("JSON round trip: %v", back)
	}
}
