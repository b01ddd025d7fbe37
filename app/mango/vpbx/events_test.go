package vpbx_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
)

func TestParseEvent(t *testing.T) {
	fake := vpbxfake.New(testKey, testSalt)
	defer fake.Close()
	summary := `{"entry_id":"232wc3e3w3s222","call_direction":"1","from":{"number":"79161234567"},"to":{"extension":"101","number":"sip:101@x.mangosip.ru"},"line_number":"74950000000","create_time":1399906976,"forward_time":"1399906980","talk_time":1399906985,"end_time":1399907076,"entry_result":1,"disconnect_reason":"1110","unknown_field":{"x":1}}`
	cases := []struct {
		name  string
		form  url.Values
		opts  []vpbx.EventOption
		check func(t *testing.T, ev vpbx.Event)
		want  error
	}{
		{"summary, numbers as strings", fake.SignedEventForm("events/summary", summary), []vpbx.EventOption{vpbx.WithPath("/hook/events/summary")},
			func(t *testing.T, ev vpbx.Event) {
				s := ev.Summary
				if ev.Kind != vpbx.KindSummary || s == nil || ev.JSON != summary {
					t.Fatalf("event = %+v", ev)
				}
				if s.EntryID != "232wc3e3w3s222" || s.CallDirection != vpbx.DirectionInbound || s.From.Number != "79161234567" ||
					s.To.Extension != "101" || s.CreateTime.Unix() != 1399906976 || s.ForwardTime.Unix() != 1399906980 ||
					s.EndTime.Unix() != 1399907076 || s.DisconnectReason != 1110 || !s.Answered() || s.LineNumber != "74950000000" {
					t.Fatalf("summary = %+v", s)
				}
			}, nil},
		{"summary kind guessed, Moscow shift", fake.SignedEventForm("events/summary", summary), []vpbx.EventOption{vpbx.WithEpoch(vpbx.Epoch{Shift: vpbx.MoscowShift})},
			func(t *testing.T, ev vpbx.Event) {
				if ev.Kind != vpbx.KindSummary || ev.Summary.CreateTime.Unix() != 1399906976-3*3600 {
					t.Fatalf("event = %+v", ev.Summary)
				}
			}, nil},
		{"record added", fake.SignedEventForm("events/record/added", map[string]any{"entry_id": "e1", "product_id": 123, "user_id": -1, "timestamp": "1700000000", "recording_id": "MToxMDA="}),
			[]vpbx.EventOption{vpbx.WithPath("events/record/added")},
			func(t *testing.T, ev vpbx.Event) {
				r := ev.RecordAdded
				if ev.Kind != vpbx.KindRecordAdded || r.EntryID != "e1" || r.ProductID != "123" || r.UserID != "-1" || r.RecordingID != "MToxMDA=" || r.Timestamp.Unix() != 1700000000 {
					t.Fatalf("event = %+v", r)
				}
			}, nil},
		{"recording", fake.SignedEventForm("events/recording", `{"recording_id":"r1","recording_state":"Completed","seq":3,"entry_id":"e1","call_id":"c1","extension":101,"timestamp":"1700000000","completion_code":1000}`),
			nil,
			func(t *testing.T, ev vpbx.Event) {
				r := ev.Recording
				if ev.Kind != vpbx.KindRecording || r.RecordingState != "Completed" || r.Seq != 3 || r.Extension != "101" || r.CompletionCode != 1000 || r.CallID != "c1" {
					t.Fatalf("event = %+v", r)
				}
			}, nil},
		{"call with dct", fake.SignedEventForm("events/call", `{"entry_id":"e1","call_id":"c1","timestamp":1700000000,"seq":"2","call_state":"Connected","location":"abonent","from":{"number":"79161234567"},"to":{"extension":"101","line_number":"74950000000","acd_group":"500"},"dct":{"number":"74951112233","type":"1"}}`),
			[]vpbx.EventOption{vpbx.WithPath("events/call")},
			func(t *testing.T, ev vpbx.Event) {
				c := ev.Call
				if ev.Kind != vpbx.KindCall || c.CallState != "Connected" || c.Seq != 2 || c.DCTNumber != "74951112233" || c.DCTType != 1 ||
					c.To.LineNumber != "74950000000" || c.To.AcdGroup != "500" || c.From.Number != "79161234567" || !c.Timestamp.Equal(time.Unix(1700000000, 0)) {
					t.Fatalf("event = %+v", c)
				}
			}, nil},
		{"unknown event kept raw", fake.SignedEventForm("events/dtmf", `{"dtmf":"1"}`), []vpbx.EventOption{vpbx.WithPath("events/dtmf")},
			func(t *testing.T, ev vpbx.Event) {
				if ev.Kind != "events/dtmf" || ev.JSON != `{"dtmf":"1"}` || ev.Summary != nil {
					t.Fatalf("event = %+v", ev)
				}
			}, nil},
		{"foreign key", vpbxfake.SignedForm("other-key", testSalt, summary), nil, nil, vpbx.ErrBadKey},
		{"wrong salt", vpbxfake.SignedForm(testKey, "other-salt", summary), nil, nil, vpbx.ErrBadSign},
		{"json changed after signing", func() url.Values {
			f := fake.SignedEventForm("events/summary", summary)
			f.Set("json", summary[:len(summary)-1]+` }`)
			return f
		}(), nil, nil, vpbx.ErrBadSign},
		{"no sign", url.Values{"vpbx_api_key": {testKey}, "json": {summary}}, nil, nil, vpbx.ErrBadSign},
		{"signed non-JSON", vpbxfake.SignedForm(testKey, testSalt, "not json"), nil, nil, vpbx.ErrBadEvent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := vpbx.ParseEvent(tc.form, testKey, testSalt, tc.opts...)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			tc.check(t, ev)
		})
	}
}
