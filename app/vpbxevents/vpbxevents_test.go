package vpbxevents

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/store"
)

const (
	key  = "vpbxkey0000000000000000000a"
	salt = "salt0000000000000000000000000001"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newHandler(st *store.Store, sources config.Sources) *Handler {
	return New(Config{Store: st, Sources: func() config.Sources { return sources },
		Credentials: func(context.Context) (vpbx.Credentials, error) { return vpbx.Credentials{Key: key, Salt: salt}, nil }})
}

func post(t *testing.T, h http.Handler, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/mango/s3cret/vpbx/"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func all(t *testing.T, st *store.Store) []calls.Call {
	t.Helper()
	list, err := st.List(context.Background(), calls.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func summary(entry string, dir int, from, to map[string]string, create time.Time) map[string]any {
	return map[string]any{"entry_id": entry, "call_direction": dir, "from": from, "to": to,
		"line_number": "74950000000", "create_time": create.Unix(), "forward_time": create.Unix() + 2,
		"talk_time": create.Unix() + 5, "end_time": create.Unix() + 65, "entry_result": 1, "disconnect_reason": 1110}
}

func TestRefusedEvents(t *testing.T) {
	cases := []struct {
		name string
		form url.Values
	}{
		{"wrong signature", vpbxfake.SignedForm(key, "wrong-salt", map[string]any{"entry_id": "E1"})},
		{"foreign VPBX code", vpbxfake.SignedForm("other-vpbx", salt, map[string]any{"entry_id": "E1"})},
		{"tampered json", func() url.Values {
			f := vpbxfake.SignedForm(key, salt, map[string]any{"entry_id": "E1"})
			f.Set("json", `{"entry_id":"E2"}`)
			return f
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			var told int64
			h := newHandler(st, config.SourcesVPBX)
			h.cfg.OnBadSignature = func(n int64) { told = n }
			rec := post(t, h, "events/summary", tc.form)
			if rec.Code != http.StatusForbidden || h.BadSignatures() != 1 || told != 1 {
				t.Fatalf("HTTP %d, counted %d, told %d", rec.Code, h.BadSignatures(), told)
			}
			list := all(t, st)
			if len(list) != 1 || list[0].Status != calls.StatusInvalid || list[0].Source != "vpbx" || !strings.Contains(list[0].Reason, "refused") {
				t.Fatalf("stored %+v", list)
			}
			if strings.Contains(list[0].Raw, key) || !strings.Contains(list[0].Raw, "entry_id") {
				t.Fatalf("raw %s: must keep the payload and redact the VPBX code", list[0].Raw)
			}
		})
	}
}

func TestSummaryBecomesACall(t *testing.T) {
	t0 := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	cases := []struct {
		name                    string
		dir                     int
		from, to                map[string]string
		status                  calls.Status
		direction, caller, oper string
	}{
		{"inbound", vpbx.DirectionInbound, map[string]string{"number": "79161234567"},
			map[string]string{"extension": "101", "number": "sip:101@x"}, calls.StatusQueued, "inbound", "79161234567", "101"},
		{"outbound", vpbx.DirectionOutbound, map[string]string{"extension": "102", "number": "74950000000"},
			map[string]string{"number": "79169999999"}, calls.StatusQueued, "outbound", "79169999999", "102"},
		{"internal", vpbx.DirectionInternal, map[string]string{"extension": "102"},
			map[string]string{"extension": "103"}, calls.StatusSkipped, "internal", "102", "103"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			stored := 0
			h := newHandler(st, config.SourcesVPBX)
			h.cfg.OnStored = func(store.Intaken) { stored++ }
			if rec := post(t, h, "events/summary", vpbxfake.SignedForm(key, salt, summary("E1", tc.dir, tc.from, tc.to, t0))); rec.Code != 200 {
				t.Fatalf("HTTP %d", rec.Code)
			}
			list := all(t, st)
			if len(list) != 1 || stored != 1 {
				t.Fatalf("stored %d rows, told %d", len(list), stored)
			}
			c := list[0]
			var p map[string]string
			_ = json.Unmarshal([]byte(c.Params), &p)
			want := map[string]string{"callId": "E1", "entryId": "E1", "direction": tc.direction, "callerNumber": tc.caller,
				"operator": tc.oper, "duration": "60", "answered": "1",
				"dateStart": t0.UTC().Format(time.RFC3339), "dateEnd": t0.Add(65 * time.Second).UTC().Format(time.RFC3339)}
			for k, v := range want {
				if p[k] != v {
					t.Errorf("param %s = %q, want %q", k, p[k], v)
				}
			}
			if c.Status != tc.status || c.CallID != "E1" || c.Caller != tc.caller || c.Operator != tc.oper || !c.Started.Equal(t0) {
				t.Fatalf("row %+v", c)
			}
		})
	}
}

func TestSourcesSetting(t *testing.T) {
	t0 := time.Now().Add(-10 * time.Minute)
	st := newStore(t)
	h := newHandler(st, config.SourcesCalltracking)
	form := vpbxfake.SignedForm(key, salt, summary("E1", 1, map[string]string{"number": "79161234567"}, map[string]string{"extension": "101"}, t0))
	if rec := post(t, h, "events/summary", form); rec.Code != 200 {
		t.Fatalf("HTTP %d", rec.Code)
	}
	rec := post(t, h, "events/record/added", vpbxfake.SignedForm(key, salt, map[string]any{"entry_id": "E1", "recording_id": "R1", "product_id": 1, "user_id": 5, "timestamp": t0.Unix()}))
	if rec.Code != 200 {
		t.Fatalf("HTTP %d", rec.Code)
	}
	ids, _ := st.RecordingIDs(context.Background(), "E1")
	if n := len(all(t, st)); n != 0 || len(ids) != 0 {
		t.Fatalf("source off, yet %d calls and %v stored", n, ids)
	}
}

func TestRecordAddedBeforeSummaryAndPing(t *testing.T) {
	st := newStore(t)
	h := newHandler(st, config.SourcesVPBX)
	woken := -1
	h.cfg.OnRecording = func(_ string, n int) { woken = n }
	rec := post(t, h, "events/record/added", vpbxfake.SignedForm(key, salt, map[string]any{"entry_id": "E1", "recording_id": "R1", "product_id": "1", "user_id": "-1", "timestamp": "1700000000"}))
	if rec.Code != 200 || woken != 0 {
		t.Fatalf("HTTP %d woken %d", rec.Code, woken)
	}
	ids, _ := st.RecordingIDs(context.Background(), "E1")
	if len(ids) != 1 || ids[0] != "R1" {
		t.Fatalf("ids %v", ids)
	}
	for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/mango/s/vpbx/ping", nil),
		httptest.NewRequest(http.MethodPost, "/mango/s/vpbx/events/call", strings.NewReader(vpbxfake.SignedForm(key, salt, map[string]any{"entry_id": "E1", "call_state": "Appeared"}).Encode()))} {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("%s: HTTP %d", r.URL.Path, w.Code)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/mango/s/vpbx/nothing", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("unknown path: HTTP %d", w.Code)
	}
	if n := len(all(t, st)); n != 0 {
		t.Fatalf("%d rows stored for events that are not calls", n)
	}
}

func TestBothSourcesJoin(t *testing.T) {
	ctx := context.Background()
	t0 := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	ctParams, _ := json.Marshal(map[string]string{"callId": "CT-1", "callerNumber": "8 916 123-45-67", "lastGroup": "Sales"})
	ct := store.NewCall{Source: "calltracking", CallID: "CT-1", Raw: "{}", Params: string(ctParams), Caller: "8 916 123-45-67", Started: t0.Add(3 * time.Second)}
	vpForm := vpbxfake.SignedForm(key, salt, summary("E1", 1, map[string]string{"number": "+79161234567"}, map[string]string{"extension": "101"}, t0))

	t.Run("calltracking first", func(t *testing.T) {
		st := newStore(t)
		in, _ := st.Intake(ctx, ct)
		post(t, newHandler(st, config.SourcesBoth), "events/summary", vpForm)
		list := all(t, st) // newest first
		if len(list) != 2 || list[0].Status != calls.StatusDuplicate || list[0].DuplicateOf != in.ID ||
			list[0].Reason != "same call as #1 via calltracking" {
			t.Fatalf("%+v", list)
		}
		c, _ := st.Get(ctx, in.ID)
		if !strings.Contains(c.Params, `"entryId":"E1"`) || !strings.Contains(c.Params, `"direction":"inbound"`) {
			t.Fatalf("VPBX data not merged: %s", c.Params)
		}
	})
	t.Run("VPBX first", func(t *testing.T) {
		st := newStore(t)
		post(t, newHandler(st, config.SourcesBoth), "events/summary", vpForm)
		in, _ := st.Intake(ctx, ct)
		joined := 0
		j := mangocall.Join{Store: st, OnJoined: func(int64) { joined++ },
			Rules: func() []mangocall.JoinRule { return mangocall.JoinRules(true, 0) }}
		cs, err := store.ClaimExcept(ctx, 1, st.ClaimN, j.Joined)
		if err != nil || len(cs) != 1 || cs[0].Source != "vpbx" {
			t.Fatalf("claimed %+v %v", cs, err)
		}
		c := cs[0]
		if cs, _ := store.ClaimExcept(ctx, 1, st.ClaimN, j.Joined); len(cs) != 0 || joined != 1 {
			t.Fatalf("calltracking copy handed to delivery (joined %d)", joined)
		}
		got, _ := st.Get(ctx, in.ID)
		if got.Status != calls.StatusDuplicate || got.DuplicateOf != c.ID || got.Reason != "same call as #1 via VPBX" {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("not both", func(t *testing.T) {
		st := newStore(t)
		_, _ = st.Intake(ctx, ct)
		post(t, newHandler(st, config.SourcesVPBX), "events/summary", vpForm)
		for _, c := range all(t, st) {
			if c.Status != calls.StatusQueued {
				t.Fatalf("joined although sources=vpbx: %+v", c)
			}
		}
	})
}
