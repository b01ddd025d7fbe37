package rules_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/mango"
	"mangotqm/app/mango/mangocall"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/reconcile"
	"mangotqm/app/rules"
	"mangotqm/store"
)

const (
	vpKey  = "preview-vpbx-key"
	vpSalt = "preview-vpbx-salt"
)

// The preview's figures over a real store and Mango's statistics read by
// the real engine from the fake VPBX.
func TestPreviewFigures(t *testing.T) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// Stored: two calltracking webhooks on the tracking line (one missed),
	// three VPBX calls (tracking line, other line, outbound), one invalid
	// row (never counted), one call older than a day (not counted).
	webhookCall := func(id, duration string) store.NewCall {
		q := url.Values{"callId": {id}, "number": {tracking}, "duration": {duration},
			"dateStart": {now.Add(-time.Hour).UTC().Format(time.RFC3339)}, "dateEnd": {now.UTC().Format(time.RFC3339)}}
		c, err := mango.Parse(mango.Request{Method: "GET", Query: q.Encode()}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(c.Params)
		return store.NewCall{Source: calls.SourceCalltracking, CallID: id, Params: string(b), Started: c.Start, TrackingNumber: tracking}
	}
	vpbxCall := func(id string, dir int, line string) store.NewCall {
		ev := &vpbx.SummaryEvent{EntryID: id, CallDirection: dir, LineNumber: line, CreateTime: now.Add(-time.Hour),
			TalkTime: now.Add(-time.Hour + 5*time.Second), EndTime: now.Add(-time.Hour + time.Minute), EntryResult: 1,
			From: vpbx.Party{Number: "79161234567"}, To: vpbx.Party{Extension: "101"}}
		nc, _, _ := mangocall.Summary(ev)
		return nc
	}
	for _, nc := range []store.NewCall{
		webhookCall("ct-1", "60"), webhookCall("ct-2", "0"),
		vpbxCall("v-1", vpbx.DirectionInbound, tracking), vpbxCall("v-2", vpbx.DirectionInbound, "74959990000"),
		vpbxCall("v-3", vpbx.DirectionOutbound, tracking),
		{Source: calls.SourceCalltracking, Params: "{}", Invalid: calls.NewReason(calls.CodeNoCallID)},
	} {
		if _, err := st.Intake(ctx, nc); err != nil {
			t.Fatal(err)
		}
	}

	// Mango: 4 calls in the last day (tracking answered, tracking missed,
	// other line, outbound), 1 older.
	m := vpbxfake.New(vpKey, vpSalt, vpbxfake.WithStatsReady(0, 0))
	defer m.Close()
	add := func(id, fromExt, line string, answered bool, ago time.Duration) {
		c := vpbxfake.Call{EntryID: id, FromNumber: "79160000001", ToExtension: "101", LineNumber: line,
			Start: now.Add(-ago), Finish: now.Add(-ago + time.Minute)}
		if fromExt != "" {
			c.FromExtension, c.FromNumber, c.ToExtension, c.ToNumber = fromExt, "", "", "79160000001"
		}
		if answered {
			c.Answer = c.Start.Add(5 * time.Second)
		}
		m.AddCallRow(c)
	}
	add("m-1", "", tracking, true, 2*time.Hour)
	add("m-2", "", tracking, false, 3*time.Hour)
	add("m-3", "", "74959990000", true, 4*time.Hour)
	add("m-4", "101", tracking, true, 5*time.Hour)
	add("m-old", "", tracking, true, 30*time.Hour)
	eng := reconcile.New(reconcile.Config{Store: st, PollEvery: time.Millisecond, RequestEvery: time.Millisecond,
		Stats: &vpbx.Client{BaseURL: m.URL(), Credentials: func(context.Context) (vpbx.Credentials, error) {
			return vpbx.Credentials{Key: vpKey, Salt: vpSalt}, nil
		}}})

	def := config.DefaultRules()
	everything := def
	everything.Outbound, everything.AnsweredOnly, everything.Lines = true, false, config.LinesAll
	for _, tc := range []struct {
		name              string
		rules             config.Rules
		stats             bool
		stored, mango     rules.Figures
		wantMangoReported bool
	}{
		{"defaults, stored only", def, false,
			rules.Figures{Total: 5, Pass: 2, Skipped: map[string]int{rules.CodeMissed: 1, rules.CodeLine: 1, rules.CodeOutbound: 1}},
			rules.Figures{}, false},
		{"defaults with Mango", def, true,
			rules.Figures{Total: 5, Pass: 2, Skipped: map[string]int{rules.CodeMissed: 1, rules.CodeLine: 1, rules.CodeOutbound: 1}},
			rules.Figures{Total: 4, Pass: 1, Skipped: map[string]int{rules.CodeMissed: 1, rules.CodeLine: 1, rules.CodeOutbound: 1}}, true},
		{"everything", everything, true,
			rules.Figures{Total: 5, Pass: 5},
			rules.Figures{Total: 4, Pass: 4}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := rules.PreviewInput{Rules: tc.rules, Numbers: st, Calls: st, Now: now, Zone: time.UTC}
			if tc.stats {
				in.Stats = eng
			}
			p, err := rules.MakePreview(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Tracking != 1 {
				t.Errorf("tracking numbers known: %d, want 1", p.Tracking)
			}
			same := func(what string, got, want rules.Figures) {
				if got.Total != want.Total || got.Pass != want.Pass || len(got.Skipped) != len(want.Skipped) {
					t.Errorf("%s: %+v, want %+v", what, got, want)
					return
				}
				for c, n := range want.Skipped {
					if got.Skipped[c] != n {
						t.Errorf("%s: %+v, want %+v", what, got, want)
					}
				}
			}
			same("stored", p.Stored, tc.stored)
			if (p.Mango != nil) != tc.wantMangoReported {
				t.Fatalf("Mango figures %v, want reported %v", p.Mango, tc.wantMangoReported)
			}
			if p.Mango != nil {
				if p.MangoErr != nil {
					t.Fatal(p.MangoErr)
				}
				same("mango", *p.Mango, tc.mango)
			}
		})
	}
}
