package e2e

// In-process end-to-end tests of the "Recordings and VPBX" parts: the real
// store, receiver, delivery worker, recordings sender and VPBX events
// handler, wired as the core wires them (bridge.NewRecordingSender,
// bridge.MountVPBXEvents, bridge.JoinStep), served over loopback, against
// the strict fake Mango VPBX and the strict fake TQM, with audio generated
// during the test.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/delivery"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/mapping"
	"mangotqm/app/receiver"
	"mangotqm/app/recordings"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/app/vpbxevents"
	"mangotqm/store"
)

const (
	vpKey    = "e2evpbxcode000000000000000a"
	vpSalt   = "e2esalt000000000000000000000001"
	vpSecret = "e2e0vpbx0secret0a1b2c3d4e5f6a7b8c"
)

type vpStack struct {
	st     *store.Store
	tqm    *sandbox.Server
	mango  *vpbxfake.Server
	events *vpbxevents.Handler
	base   string // http://127.0.0.1:port/mango/<secret>/
	// private is a recording link that needs a login (like Mango's LK).
	private string

	mu        sync.Mutex
	incidents []string
	monos     int
}

// newVPStack wires everything for a source setting; clientSalt is the
// signing key the app believes in (a wrong one is a "signing bug").
func newVPStack(t *testing.T, sources config.Sources, clientSalt string) *vpStack {
	t.Helper()
	s := &vpStack{}
	var err error
	if s.st, err = store.Open(context.Background(), t.TempDir(), store.Options{}); err != nil {
		t.Fatal(err)
	}
	s.tqm = sandbox.New(tqmKey)
	s.mango = vpbxfake.New(vpKey, vpSalt)
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>Войдите в личный кабинет Mango Office</html>")
	}))
	s.private = login.URL + "/vpbx/queries/recording/issa/rec/play"

	env := map[string]string{secrets.EnvVar(secrets.MangoVPBXKey): vpKey, secrets.EnvVar(secrets.MangoVPBXSalt): clientSalt}
	creds := bridge.VPBXCredentialSource(secrets.Env{Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	quiet := slog.New(slog.DiscardHandler)
	vc := &vpbx.Client{BaseURL: s.mango.URL(), Credentials: creds, PollInterval: 20 * time.Millisecond, Logger: quiet}
	var w *delivery.Worker
	wake := func() {
		if w != nil {
			w.Wake()
		}
	}
	sender := bridge.NewRecordingSender(bridge.RecordingOptions{
		Wake:       wake,
		TQM:        bridge.TQMOptions{BaseURL: s.tqm.URL(), Key: func(context.Context) (string, error) { return tqmKey, nil }},
		VPBX:       vc,
		Index:      s.st,
		Audio:      recordings.ModeUpload,
		RetryEvery: 200 * time.Millisecond,
		OnIncident: func(kind string, open bool, msg string) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.incidents = append(s.incidents, fmt.Sprintf("%s open=%v %s", kind, open, msg))
		},
		OnMono: func(string) { s.mu.Lock(); s.monos++; s.mu.Unlock() },
		Logger: quiet,
	})
	m := mapping.Default()
	for i, r := range m.Rules { // the suggested default: direction from the VPBX events
		if r.Field == mapping.FieldCallDirection {
			m.Rules[i] = mapping.Rule{Field: mapping.FieldCallDirection, Params: []string{"direction"}, Const: "inbound"}
		}
	}
	w = delivery.New(delivery.Config{
		Outbox:         s.st,
		Join:           bridge.JoinStep(s.st, func() config.Sources { return sources }, quiet, nil),
		Pauses:         s.st,
		Stuck:          s.st,
		Sender:         sender,
		KeyFingerprint: sender.KeyFingerprint,
		Mapping:        func(context.Context) (mapping.Config, error) { return m, nil },
		Schedule:       calls.Waits{100 * time.Millisecond, 100 * time.Millisecond},
		Rate:           50,
		Logger:         quiet,
	})
	recv := receiver.New(receiver.Config{Secret: vpSecret, Store: s.st, OnStored: func(store.Intaken) { wake() }})
	s.events = bridge.MountVPBXEvents(recv, bridge.EventsOptions{Store: s.st, Credentials: creds, Sources: func() config.Sources { return sources }, Logger: quiet,
		OnStored: func(store.Intaken) { wake() }, OnRecording: func(string, int) { wake() }})
	srv := httptest.NewServer(recv)
	s.base = srv.URL + receiver.Prefix(vpSecret)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
		login.Close()
		s.mango.Close()
		s.tqm.Close()
		_ = s.st.Close()
	})
	return s
}

// calltracking sends a calltracking webhook (GET, like Mango).
func (s *vpStack) calltracking(t *testing.T, id, caller string, start, end time.Time) {
	t.Helper()
	v := url.Values{"callId": {id}, "dateStart": {start.UTC().Format("2006-01-02T15:04:05Z")},
		"dateEnd": {end.UTC().Format("2006-01-02T15:04:05Z")}, "callerNumber": {caller},
		"duration": {fmt.Sprint(int(end.Sub(start).Seconds()))}, "recordUrl": {s.private}, "utm_source": {"yandex"}}
	resp, err := http.Get(s.base + receiver.PathCalltracking + "?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
}

// event posts a VPBX event signed as Mango signs it.
func (s *vpStack) event(t *testing.T, path string, payload any) int {
	t.Helper()
	resp, err := s.mango.PostEvent(context.Background(), s.base+bridge.PathVPBX, path, payload)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func vpSummary(entry string, dir int, client, ext string, start, end time.Time) map[string]any {
	ev := map[string]any{"entry_id": entry, "call_direction": dir, "line_number": "74950000000",
		"create_time": start.Unix(), "forward_time": start.Unix() + 1, "talk_time": start.Unix() + 4,
		"end_time": end.Unix(), "entry_result": 1, "disconnect_reason": 1110}
	if dir == vpbx.DirectionInbound {
		ev["from"], ev["to"] = map[string]any{"number": client}, map[string]any{"extension": ext, "number": "sip:" + ext + "@vpbx.mangosip.ru"}
	} else {
		ev["from"], ev["to"] = map[string]any{"extension": ext, "number": "74950000000"}, map[string]any{"number": client}
	}
	return ev
}

func recordAdded(entry, rec string) map[string]any {
	return map[string]any{"entry_id": entry, "recording_id": rec, "product_id": 1, "user_id": 7, "timestamp": time.Now().Unix()}
}

func (s *vpStack) row(t *testing.T, source, callID string) calls.Call {
	t.Helper()
	list, err := s.st.List(context.Background(), calls.Filter{Search: callID})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if string(c.Source) == source && c.CallID == callID {
			return c
		}
	}
	t.Fatalf("no %s row for %s", source, callID)
	return calls.Call{}
}

// settled reports whether every stored call is in a final state (nothing
// left that delivery could claim).
func (s *vpStack) settled(t *testing.T) bool {
	t.Helper()
	list, err := s.st.List(context.Background(), calls.Filter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if !c.Status.Final() {
			return false
		}
	}
	return true
}

// waiting reports whether the call has had a "waiting" try (its recording
// was looked for and not found).
func (s *vpStack) waiting(t *testing.T, source, callID string) bool {
	list, _ := s.st.List(context.Background(), calls.Filter{Search: callID})
	for _, c := range list {
		if string(c.Source) != source || c.CallID != callID {
			continue
		}
		atts, _ := s.st.Attempts(context.Background(), c.ID)
		for _, a := range atts {
			if a.Outcome == calls.OutcomeWaiting {
				return true
			}
		}
	}
	return false
}

func callTimes() (start, end time.Time) {
	end = time.Now().Add(-time.Minute).Truncate(time.Second)
	return end.Add(-2*time.Minute - 13*time.Second), end
}

// Calltracking webhook → the recording is not in Mango yet → it appears in
// the VPBX statistics → uploaded to TQM with the file → delivered.
func TestVPBXLateRecordingUploaded(t *testing.T) {
	s := newVPStack(t, config.SourcesCalltracking, vpSalt)
	start, end := callTimes()
	s.calltracking(t, "CT-LATE-1", "+7 (916) 555-01-01", start, end)
	clocktest.Within(t, 15*time.Second, "a first look for the recording", func() bool { return s.waiting(t, "calltracking", "CT-LATE-1") })
	if len(s.tqm.Accepted()) != 0 {
		t.Fatal("sent before the recording existed")
	}
	stereo := testaudio.MP3(t, 20, true)
	s.mango.AddCall("ENTRY-LATE-1", "79165550101", "101", start, end, "rec-late-1")
	s.mango.AddRecording("rec-late-1", stereo)
	clocktest.Within(t, 20*time.Second, "the call at TQM", func() bool { return len(s.tqm.Find("CT-LATE-1")) == 1 })
	got := s.tqm.Find("CT-LATE-1")[0]
	if !got.WithFile || got.FileFormat != "mp3" || got.FileChannels != 2 || got.FileSize != len(stereo) {
		t.Fatalf("TQM got %+v", got)
	}
	if _, has := got.Fields["fileLink"]; has {
		t.Fatal("the recording link was exposed to TQM")
	}
	clocktest.Within(t, 5*time.Second, "delivered status", func() bool { return s.row(t, "calltracking", "CT-LATE-1").Status == calls.StatusDelivered })
	if s.mango.FileRequestsWithCredentials() != 0 || s.mango.Downloads("rec-late-1") != 1 {
		t.Fatalf("downloads %d, with credentials %d", s.mango.Downloads("rec-late-1"), s.mango.FileRequestsWithCredentials())
	}
	assertNoLinkStored(t, s)
}

// VPBX events/summary + events/record/added → one call per entry with the
// right direction and operator; mono and stereo recordings.
func TestVPBXEventsBecomeCalls(t *testing.T) {
	s := newVPStack(t, config.SourcesVPBX, vpSalt)
	start, end := callTimes()
	mono := testaudio.MP3(t, 15, false)
	stereo := testaudio.WAV(t, 12, 2, 8000)
	s.mango.AddRecording("rec-out", mono)
	s.mango.AddRecording("rec-in", stereo)
	// The recording may be announced before the summary.
	if code := s.event(t, "events/record/added", recordAdded("E-OUT", "rec-out")); code != 200 {
		t.Fatalf("record/added: %d", code)
	}
	if code := s.event(t, "events/summary", vpSummary("E-OUT", vpbx.DirectionOutbound, "79167770000", "102", start, end)); code != 200 {
		t.Fatalf("summary: %d", code)
	}
	if code := s.event(t, "events/summary", vpSummary("E-IN", vpbx.DirectionInbound, "79168880000", "101", start, end)); code != 200 {
		t.Fatalf("summary: %d", code)
	}
	// A repeated summary is logged, not delivered again.
	s.event(t, "events/summary", vpSummary("E-IN", vpbx.DirectionInbound, "79168880000", "101", start, end))
	if code := s.event(t, "events/record/added", recordAdded("E-IN", "rec-in")); code != 200 {
		t.Fatalf("record/added: %d", code)
	}
	clocktest.Within(t, 20*time.Second, "both calls at TQM", func() bool { return len(s.tqm.Accepted()) >= 2 })
	want := map[string]struct{ dir, op, client, format string }{
		"E-OUT": {"outbound", "102", "79167770000", "mp3"},
		"E-IN":  {"inbound", "101", "79168880000", "wav"},
	}
	for id, w := range want {
		got := s.tqm.Find(id)
		if len(got) != 1 {
			t.Fatalf("%s at TQM %d times", id, len(got))
		}
		f := got[0].Fields
		if f["callDirection"] != w.dir || f["operatorId"] != w.op || f["clientPhoneNumber"] != w.client || got[0].FileFormat != w.format {
			t.Errorf("%s: TQM got %v (%s)", id, f, got[0].FileFormat)
		}
	}
	if ch := s.tqm.Find("E-OUT")[0].FileChannels; ch != 1 {
		t.Errorf("mono recording arrived with %d channels", ch)
	}
	s.mu.Lock()
	monos := s.monos
	s.mu.Unlock()
	if monos != 1 {
		t.Errorf("mono warnings: %d, want 1", monos)
	}
	// Every call is in a final state: nothing is left that could be sent
	// again, so the count is final too.
	clocktest.Within(t, 10*time.Second, "every call settled", func() bool { return s.settled(t) })
	if n := len(s.tqm.Accepted()); n != 2 {
		t.Fatalf("TQM has %d imports, want 2", n)
	}
}

// The same call through calltracking and VPBX → ONE import at TQM, in
// either order; the later row is logged as a duplicate of the earlier.
func TestBothSourcesOneImport(t *testing.T) {
	for _, order := range []string{"calltracking first", "VPBX first"} {
		t.Run(order, func(t *testing.T) {
			s := newVPStack(t, config.SourcesBoth, vpSalt)
			start, end := callTimes()
			s.mango.AddRecording("rec-both", testaudio.MP3(t, 10, true))
			summary := vpSummary("E-BOTH", vpbx.DirectionInbound, "+79164440000", "105", start.Add(4*time.Second), end)
			first, second := "calltracking", "vpbx"
			if order == "calltracking first" {
				s.calltracking(t, "CT-BOTH", "8 916 444-00-00", start, end)
				clocktest.Within(t, 15*time.Second, "the calltracking call waiting", func() bool { return s.waiting(t, "calltracking", "CT-BOTH") })
				s.event(t, "events/summary", summary)
			} else {
				first, second = second, first
				s.event(t, "events/summary", summary)
				clocktest.Within(t, 15*time.Second, "the VPBX call waiting", func() bool { return s.waiting(t, "vpbx", "E-BOTH") })
				s.calltracking(t, "CT-BOTH", "8 916 444-00-00", start, end)
			}
			ids := map[string]string{"calltracking": "CT-BOTH", "vpbx": "E-BOTH"}
			clocktest.Within(t, 10*time.Second, "the later copy logged as duplicate", func() bool {
				return s.row(t, second, ids[second]).Status == calls.StatusDuplicate
			})
			s.event(t, "events/record/added", recordAdded("E-BOTH", "rec-both"))
			clocktest.Within(t, 20*time.Second, "the call at TQM", func() bool { return len(s.tqm.Accepted()) >= 1 })
			// Nothing claimable is left: a (wrong) second import cannot come.
			clocktest.Within(t, 10*time.Second, "every call settled", func() bool { return s.settled(t) })
			if got := s.tqm.AcceptedIDs(); len(got) != 1 || got[ids[first]] != 1 {
				t.Fatalf("TQM imports %v, want only %s once", got, ids[first])
			}
			earlier, later := s.row(t, first, ids[first]), s.row(t, second, ids[second])
			if later.DuplicateOf != earlier.ID || !strings.HasPrefix(later.Reason, fmt.Sprintf("same call as #%d via ", earlier.ID)) {
				t.Fatalf("later row: dup of %d, reason %q", later.DuplicateOf, later.Reason)
			}
			if earlier.Status != calls.StatusDelivered {
				t.Fatalf("earlier row %s", earlier.Status)
			}
			// The later copy's data filled the earlier call's gaps.
			if order == "calltracking first" {
				f := s.tqm.Find("CT-BOTH")[0].Fields
				if f["operatorId"] != "105" || !strings.Contains(earlier.Params, `"entryId":"E-BOTH"`) {
					t.Fatalf("VPBX data not merged: TQM got %v; params %s", f, earlier.Params)
				}
			} else if !strings.Contains(earlier.Params, `"utm_source":"yandex"`) {
				t.Fatalf("calltracking data not merged: %s", earlier.Params)
			}
		})
	}
}

// A VPBX event with a bad signature is refused with 403, counted and kept;
// a wrong signing key on our side (a "signing bug") never makes a second
// invalid request to Mango inside 2 minutes, however many calls wait.
func TestVPBXSignatures(t *testing.T) {
	t.Run("bad event signature", func(t *testing.T) {
		s := newVPStack(t, config.SourcesVPBX, vpSalt)
		start, end := callTimes()
		form := vpbxfake.SignedForm(vpKey, "not-the-salt", vpSummary("E-BAD", 1, "79160000001", "101", start, end))
		resp, err := http.PostForm(s.base+bridge.PathVPBX+"/events/summary", form)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || s.events.BadSignatures() != 1 {
			t.Fatalf("HTTP %d, counted %d", resp.StatusCode, s.events.BadSignatures())
		}
		list, _ := s.st.List(context.Background(), calls.Filter{Statuses: []calls.Status{calls.StatusInvalid}})
		if len(list) != 1 || list[0].Source != "vpbx" || !strings.Contains(list[0].Raw, "E-BAD") || strings.Contains(list[0].Raw, vpKey) {
			t.Fatalf("kept %+v", list)
		}
		// The refused event is stored invalid, which is never claimed: with
		// nothing claimable, no work can follow.
		if !s.settled(t) {
			t.Fatal("a refused event left a call to send")
		}
		if len(s.tqm.Accepted()) != 0 || len(s.mango.Requests()) != 0 {
			t.Fatal("a refused event led to work")
		}
	})
	t.Run("signing bug", func(t *testing.T) {
		s := newVPStack(t, config.SourcesCalltracking, "a-wrong-signing-key")
		start, end := callTimes()
		for i := range 4 {
			s.calltracking(t, fmt.Sprintf("CT-SIGN-%d", i), fmt.Sprintf("7916333000%d", i), start, end)
		}
		clocktest.Within(t, 15*time.Second, "every call waiting", func() bool {
			for i := range 4 {
				if !s.waiting(t, "calltracking", fmt.Sprintf("CT-SIGN-%d", i)) {
					return false
				}
			}
			return true
		})
		// While the lockout guard holds, the calls are not tried again
		// before it ends: their next tries are scheduled past it, so no
		// second invalid request can reach Mango (a structural check, not a
		// wait on the clock).
		for i := range 4 {
			c := s.row(t, "calltracking", fmt.Sprintf("CT-SIGN-%d", i))
			if c.Status != calls.StatusRetrying || time.Until(c.NextAttempt) < 110*time.Second {
				t.Fatalf("CT-SIGN-%d is %s with its next try in %s: before the 2-minute lockout ends", i, c.Status,
					time.Until(c.NextAttempt).Round(time.Second))
			}
		}
		if n, max := len(s.mango.InvalidRequests()), s.mango.MaxInvalidWithin(2*time.Minute); n != 1 || max != 1 {
			t.Fatalf("%d invalid requests reached Mango (%d within 2 min); want exactly 1", n, max)
		}
		if s.mango.Blocked() {
			t.Fatal("Mango blocked the account")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.incidents) != 1 || !strings.Contains(s.incidents[0], recordings.IncidentVPBXCredentials+" open=true") {
			t.Fatalf("incidents %q, want one", s.incidents)
		}
		if len(s.tqm.Accepted()) != 0 {
			t.Fatal("a call was sent without its recording")
		}
	})
}

// assertNoLinkStored: no one-time link Mango handed out is in the database.
func assertNoLinkStored(t *testing.T, s *vpStack) {
	t.Helper()
	list, _ := s.st.List(context.Background(), calls.Filter{})
	var all []string
	for _, c := range list {
		atts, _ := s.st.Attempts(context.Background(), c.ID)
		b, _ := json.Marshal(atts)
		all = append(all, c.Raw, c.Params, c.Reason, c.Request, c.LastError, string(b))
	}
	text := strings.Join(all, "\n")
	for _, l := range s.mango.IssuedLinks() {
		if strings.Contains(text, l) || strings.Contains(text, strings.TrimPrefix(l, "http://")) {
			t.Fatal("a one-time recording link was stored")
		}
	}
}
