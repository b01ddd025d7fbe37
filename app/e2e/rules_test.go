package e2e

// Import rules end to end: a calltracking office with the VPBX key set.
// Mango's statistics hold the webhook's own call, another answered inbound
// call on the tracking line, an answered inbound call on another line, an
// outbound call and a missed call. With the default rules (the Albato
// bundle) only the first two reach TQM, the first exactly once; the others
// are stored as skipped with their rule, and "calls --status skipped"
// names it.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/tqm/sandbox"
)

func TestImportRulesCalltrackingOfficeWithVPBX(t *testing.T) {
	tqm := sandbox.New(tqmKey)
	defer tqm.Close()
	mango := vpbxfake.New(vpKey, vpSalt, vpbxfake.WithStatsReady(0, 0))
	defer mango.Close()
	audio := testaudio.MP3(t, 2, true)
	records := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		_, _ = w.Write(audio)
	}))
	defer records.Close()

	const tracking, other = "74951112233", "74959990000"
	now := time.Now().Truncate(time.Second)
	at := func(ago time.Duration) time.Time { return now.Add(-ago) }
	add := func(c vpbxfake.Call) {
		c.DisconnectReason, c.Location = 1100, "abonent"
		if c.Finish.IsZero() {
			c.Finish = c.Start.Add(90 * time.Second)
		}
		if !c.Answer.IsZero() {
			c.Records = []string{"rec-" + c.EntryID}
			mango.AddRecording("rec-"+c.EntryID, audio)
		}
		mango.AddCallRow(c)
	}
	// 1. The webhook's own call (the webhook below is the same call).
	add(vpbxfake.Call{EntryID: "E-CT", FromNumber: "79160000001", ToExtension: "101", LineNumber: tracking,
		Start: at(50 * time.Minute), Answer: at(50*time.Minute - 10*time.Second)})
	// 2. Another answered inbound call on the tracking line.
	add(vpbxfake.Call{EntryID: "E-T2", FromNumber: "79160000002", ToExtension: "102", LineNumber: tracking,
		Start: at(40 * time.Minute), Answer: at(40*time.Minute - 10*time.Second)})
	// 3. An answered inbound call on another line.
	add(vpbxfake.Call{EntryID: "E-OTHER", FromNumber: "79160000003", ToExtension: "101", LineNumber: other,
		Start: at(35 * time.Minute), Answer: at(35*time.Minute - 10*time.Second)})
	// 4. An outbound call.
	add(vpbxfake.Call{EntryID: "E-OUT", FromExtension: "101", ToNumber: "79160000004", LineNumber: tracking,
		Start: at(30 * time.Minute), Answer: at(30*time.Minute - 10*time.Second)})
	// 5. A missed call on the tracking line.
	add(vpbxfake.Call{EntryID: "E-MISS", FromNumber: "79160000005", ToExtension: "101", LineNumber: tracking,
		Start: at(25 * time.Minute), Finish: at(25*time.Minute - 30*time.Second)})

	dir := t.TempDir()
	// First the calltracking webhook arrives (no reconcile yet): it
	// teaches the bridge its tracking number and is delivered.
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: tqm.URL(), env: vpbxEnv(),
		extra: []string{"--vpbx-url", mango.URL(), "--rate", "20", "--reconcile-every", "0"}})
	q := url.Values{}
	q.Set("callId", "CT-1")
	q.Set("dateStart", at(50*time.Minute).UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("dateEnd", at(50*time.Minute-90*time.Second).UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("callerNumber", "79160000001")
	q.Set("number", tracking)
	q.Set("lastGroup", "Отдел продаж")
	q.Set("recordUrl", records.URL+"/ct-1.mp3")
	q.Set("callStatus", "1110")
	q.Set("duration", "80")
	q.Set("utm_source", "yandex")
	resp, err := client.Get(p.url + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
	clocktest.Within(t, 60*time.Second, "the webhook's call at TQM", func() bool { return len(tqm.Find("CT-1")) > 0 })
	clocktest.Within(t, 30*time.Second, "the delivery recorded", func() bool {
		for _, c := range listCalls(t, dir) {
			if c.CallID == "CT-1" {
				return c.Status == "delivered"
			}
		}
		return false
	})
	p.stop(t)

	// Then serve with the saved settings: reconcile runs at start.
	p = startServe(t, serveOpts{dataDir: dir, tqmURL: tqm.URL(), env: vpbxEnv(),
		extra: []string{"--vpbx-url", mango.URL(), "--rate", "20"}})
	defer p.stop(t)
	type row struct {
		CallID string `json:"callId"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	rows := func() map[string]row {
		out, err := exec.Command(binary, "calls", "--data-dir", dir, "--json").Output()
		if err != nil {
			t.Fatal(err)
		}
		var list []row
		if err := json.Unmarshal(out, &list); err != nil {
			t.Fatal(err)
		}
		m := map[string]row{}
		for _, r := range list {
			m[r.CallID] = r
		}
		return m
	}
	clocktest.Within(t, 90*time.Second, "the reconciled calls judged and the other tracking-line call delivered", func() bool {
		m := rows()
		return m["E-T2"].Status == "delivered" && m["E-OTHER"].Status != "" && m["E-OUT"].Status != "" && m["E-MISS"].Status != ""
	})
	m := rows()
	for _, tc := range []struct {
		id, status, says string
	}{
		{"CT-1", "delivered", ""},
		{"E-T2", "delivered", ""},
		{"E-OTHER", "skipped", "line " + other + " is not one of the lines sent"},
		{"E-OUT", "skipped", "outbound calls are not sent"},
		{"E-MISS", "skipped", "missed call (only answered calls are sent)"},
	} {
		r := m[tc.id]
		if r.Status != tc.status || !strings.Contains(r.Reason, tc.says) {
			t.Errorf("%s is %s (%q), want %s naming %q", tc.id, r.Status, r.Reason, tc.status, tc.says)
		}
	}
	if _, ok := m["E-CT"]; ok {
		t.Errorf("the webhook's own call was stored again from the statistics: %+v", m["E-CT"])
	}
	got := tqm.AcceptedIDs()
	if got["CT-1"] != 1 || got["E-T2"] != 1 || len(got) != 2 {
		t.Fatalf("TQM received %v, want CT-1 and E-T2 once each", got)
	}
	out, err := exec.Command(binary, "calls", "--data-dir", dir, "--status", "skipped").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"E-OTHER", "E-OUT", "E-MISS", "skipped by the import rules"} {
		if !bytes.Contains(out, []byte(w)) {
			t.Errorf("calls --status skipped does not show %q:\n%s", w, out)
		}
	}
}
