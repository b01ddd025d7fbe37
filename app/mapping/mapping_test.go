package mapping

import (
	"strings"
	"testing"
	"time"

	"mangotqm/app/mango"
)

func TestApplyDefault(t *testing.T) {
	p := mango.Params{
		"callId": "MG-77", "dateStart": "2026-11-20T07:00Z", "dateEnd": "2026-11-20T07:04:30Z",
		"callerNumber": "74951234567", "lastGroup": "Продажи", "recordUrl": "https://example.test/r/1.mp3",
	}
	res, err := Apply(Default(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{FieldID, "MG-77"}, {FieldCallDirection, "inbound"},
		{FieldStartDate, "2026-11-20T10:00:00"}, {FieldEndDate, "2026-11-20T10:04:30"}, // UTC → Moscow
		{FieldHangupParty, "client"}, {FieldOperatorID, "Продажи"}, {FieldOperatorChannel, "left"},
		{FieldClientPhoneNumber, "74951234567"}, {FieldFileLink, "https://example.test/r/1.mp3"},
	}
	if len(res.Fields) != len(want) {
		t.Fatalf("fields %v, want %v", res.Fields, want)
	}
	for i := range want {
		if res.Fields[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, res.Fields[i], want[i])
		}
	}
	if err := Validate(res, ValidateOptions{Now: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC),
		TimeZone: "Europe/Moscow", FileLinkRequired: true}); err != nil {
		t.Fatalf("valid call rejected: %v", err)
	}
}

func TestApplyOptions(t *testing.T) {
	long := strings.Repeat("x", 40)
	cfg := Config{
		Rules: []Rule{
			{Field: FieldID, Params: []string{"callId"}},
			{Field: FieldCallDirection, Params: []string{"direction"}, Const: "Outbound"},
			{Field: FieldStartDate, Params: []string{"dateStart"}},
		},
		TimeZone: "Asia/Yekaterinburg", SourceZone: "Europe/Moscow", EnumCase: CaseTitle,
	}
	res, err := Apply(cfg, mango.Params{"callId": long, "dateStart": "2026-11-20 10:00:00"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Get(FieldID); got != ShortID(long) || len(got) != MaxIDLen {
		t.Errorf("id %q, want the 32-char short form %q", got, ShortID(long))
	}
	if ShortID(long) != ShortID(long) || ShortID(long) == ShortID(long+"y") {
		t.Error("short ids must be stable and distinct")
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], long) {
		t.Errorf("notes %v should keep the original id", res.Notes)
	}
	if got := res.Get(FieldCallDirection); got != "Outbound" {
		t.Errorf("callDirection %q, want constant in Title case", got)
	}
	if got := res.Get(FieldStartDate); got != "2026-11-20T12:00:00" { // Moscow 10:00 = Yekaterinburg 12:00
		t.Errorf("startDate %q", got)
	}
	if _, err := Apply(Config{TimeZone: "Mars/Olympus"}, nil); err == nil {
		t.Error("unknown time zone accepted")
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) // 15:00 Moscow
	base := func() map[string]string {
		return map[string]string{FieldID: "1", FieldCallDirection: "inbound", FieldStartDate: "2026-11-25T14:00:00",
			FieldEndDate: "2026-11-25T14:05:00", FieldFileLink: "https://x.test/a.mp3", FieldOperatorChannel: "left",
			FieldHangupParty: "client"}
	}
	tests := []struct {
		name   string
		change func(map[string]string)
		want   string
	}{
		{"valid", func(map[string]string) {}, ""},
		{"missing id", func(m map[string]string) { delete(m, FieldID) }, "id is missing"},
		{"long id", func(m map[string]string) { m[FieldID] = strings.Repeat("1", 33) }, "id is longer than 32"},
		{"missing file link", func(m map[string]string) { delete(m, FieldFileLink) }, "fileLink is missing"},
		{"file link not http", func(m map[string]string) { m[FieldFileLink] = "ftp://x/y" }, "not an http"},
		{"long file link", func(m map[string]string) { m[FieldFileLink] = "https://x.test/" + strings.Repeat("a", 2000) }, "fileLink is longer"},
		{"bad direction", func(m map[string]string) { m[FieldCallDirection] = "sideways" }, "callDirection"},
		{"bad channel", func(m map[string]string) { m[FieldOperatorChannel] = "middle" }, "operatorChannel"},
		{"future", func(m map[string]string) { m[FieldEndDate] = "2026-11-25T18:00:00" }, "in the future"},
		{"end before start", func(m map[string]string) { m[FieldEndDate] = "2026-11-25T13:00:00" }, "endDate is before startDate"},
		{"not a date", func(m map[string]string) { m[FieldStartDate] = "2026-11-25 14:00" }, "not a date"},
		{"long operator", func(m map[string]string) { m[FieldOperatorID] = strings.Repeat("o", 51) }, "operatorId is longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.change(m)
			var r Result
			for _, f := range Fields {
				if v, ok := m[f]; ok {
					r.Fields = append(r.Fields, Field{f, v})
				}
			}
			err := Validate(r, ValidateOptions{Now: now, TimeZone: "Europe/Moscow", FileLinkRequired: true})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
