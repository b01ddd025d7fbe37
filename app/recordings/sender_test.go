package recordings

import (
	"context"
	"encoding/json"
	"log/slog"
	"mangotqm/app/clock"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango"
	"mangotqm/app/mango/testaudio"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/mapping"
	"mangotqm/app/tqm"
	"mangotqm/app/tqm/sandbox"
)

const (
	tqmKey  = "tqm-key-1"
	vpbxKey = "vpbxkey0000000000000000000a"
	salt    = "salt0000000000000000000000000001"
	client  = "79161234567"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type index map[string][]string

func (i index) RecordingIDs(_ context.Context, entry string) ([]string, error) { return i[entry], nil }

type env struct {
	clk       *testClock
	tqm       *sandbox.Server
	mango     *vpbxfake.Server
	vc        *vpbx.Client
	incidents []string
	monos     int
}

func newEnv(t *testing.T, clientSalt string) *env {
	t.Helper()
	e := &env{clk: &testClock{t: time.Now()}}
	e.tqm = sandbox.New(tqmKey)
	t.Cleanup(e.tqm.Close)
	e.mango = vpbxfake.New(vpbxKey, salt, vpbxfake.WithClock(e.clk.Now))
	t.Cleanup(e.mango.Close)
	e.vc = &vpbx.Client{BaseURL: e.mango.URL(), Key: vpbxKey, Salt: clientSalt, Clock: clock.Reading(e.clk.Now),
		Logger: slog.New(slog.DiscardHandler), PollInterval: time.Millisecond, Limits: vpbx.Limits{General: time.Millisecond, StatsStart: time.Millisecond, Users: time.Millisecond}}
	return e
}

func (e *env) sender(mode string, idx Index, withVPBX bool) *Sender {
	cfg := Config{
		TQM:   &tqm.Client{BaseURL: e.tqm.URL(), Key: func(context.Context) (string, error) { return tqmKey, nil }, APIVersion: "1.0"},
		Index: idx, Mode: mode, Clock: clock.Reading(e.clk.Now),
		OnMono: func() { e.monos++ },
		OnIncident: func(kind string, open bool, key string) {
			e.incidents = append(e.incidents, kind+"|"+key+"|"+map[bool]string{true: "open", false: "clear"}[open])
		},
	}
	if withVPBX {
		cfg.VPBX = e.vc
	}
	return New(cfg)
}

// call builds a stored call and its default mapping. The call ended 1 min
// ago (on the test clock) and lasted dur seconds.
func (e *env) call(t *testing.T, source, id string, dur int, extra map[string]string) (calls.Call, []mapping.Field) {
	t.Helper()
	end := e.clk.Now().Add(-time.Minute).Truncate(time.Second)
	start := end.Add(-time.Duration(dur) * time.Second)
	p := mango.Params{"callId": id, "dateStart": start.UTC().Format(time.RFC3339), "dateEnd": end.UTC().Format(time.RFC3339),
		"callerNumber": client, "duration": json.Number(itoa(dur)).String()}
	for k, v := range extra {
		p[k] = v
	}
	b, _ := json.Marshal(p)
	res, err := mapping.Apply(mapping.Default(), p)
	if err != nil {
		t.Fatal(err)
	}
	return calls.Call{ID: 1, Source: calls.Source(source), CallID: id, Params: string(b), Caller: client, Started: start, Received: end}, res.Fields
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func serveBytes(t *testing.T, status int, ct string, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Error("credentials sent to a recording link")
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/rec.mp3"
}

func TestPublicLinkIsUploaded(t *testing.T) {
	e := newEnv(t, salt)
	mp3 := testaudio.MP3(t, 9, true)
	link := serveBytes(t, 200, "audio/mpeg", mp3)
	c, fields := e.call(t, "calltracking", "CT-1", 60, map[string]string{"recordUrl": link})
	res, err := e.sender(ModeUpload, nil, false).Send(context.Background(), c, fields)
	if err != nil || res.Outcome != calls.OutcomeDelivered {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	got := e.tqm.Find("CT-1")
	if len(got) != 1 || !got[0].WithFile || got[0].FileFormat != "mp3" || got[0].FileChannels != 2 || got[0].FileSize != len(mp3) {
		t.Fatalf("TQM got %+v", got)
	}
	if _, has := got[0].Fields["fileLink"]; has {
		t.Fatal("fileLink sent with an uploaded file: the recording would be exposed")
	}
	if len(e.mango.Requests()) != 0 {
		t.Fatal("Mango asked although the link worked")
	}
}

func TestLinkMode(t *testing.T) {
	e := newEnv(t, salt)
	mp3 := testaudio.MP3(t, 8, true)
	public := serveBytes(t, 200, "audio/mpeg", mp3)
	login := serveBytes(t, 200, "text/html", []byte("<html>Войдите в личный кабинет</html>"))
	e.mango.AddRecording("rec-1", mp3)
	s := e.sender(ModeLink, index{"E-2": {"rec-1"}}, true)

	c, fields := e.call(t, "calltracking", "CT-1", 60, map[string]string{"recordUrl": public})
	if res, err := s.Send(context.Background(), c, fields); err != nil || res.Outcome != calls.OutcomeDelivered {
		t.Fatalf("public: %+v %v", res, err)
	}
	if got := e.tqm.Find("CT-1"); len(got) != 1 || got[0].WithFile || got[0].Fields["fileLink"] != public {
		t.Fatalf("public link not sent by link: %+v", got)
	}
	c, fields = e.call(t, "calltracking", "CT-2", 60, map[string]string{"recordUrl": login, "entryId": "E-2"})
	if res, err := s.Send(context.Background(), c, fields); err != nil || res.Outcome != calls.OutcomeDelivered {
		t.Fatalf("private: %+v %v", res, err)
	}
	if got := e.tqm.Find("CT-2"); len(got) != 1 || !got[0].WithFile {
		t.Fatalf("private link not uploaded: %+v", got)
	}
}

func TestLateRecordingFoundInStatistics(t *testing.T) {
	e := newEnv(t, salt)
	s := e.sender(ModeUpload, index{}, true)
	login := serveBytes(t, 403, "text/html", []byte("forbidden"))
	c, fields := e.call(t, "calltracking", "CT-1", 120, map[string]string{"recordUrl": login})
	res, err := s.Send(context.Background(), c, fields)
	if err != nil || res.Outcome != calls.OutcomeWaiting || res.RetryAfter != time.Minute {
		t.Fatalf("before the recording exists: %+v %v", res, err)
	}
	// The recording appears: the call and two legs (a transfer) in the stats.
	start := c.Started
	short, long := testaudio.MP3(t, 4, true), testaudio.MP3(t, 12, true)
	e.mango.AddCall("E-1", client, "101", start, start.Add(2*time.Minute), "rec-a", "rec-b")
	e.mango.AddCall("E-0", client, "102", start.Add(-90*time.Minute), start.Add(-80*time.Minute), "rec-old")
	e.mango.AddRecording("rec-a", short)
	e.mango.AddRecording("rec-b", long)
	e.clk.Add(time.Minute)
	res, err = s.Send(context.Background(), c, fields)
	if err != nil || res.Outcome != calls.OutcomeDelivered {
		t.Fatalf("after: %+v %v", res, err)
	}
	got := e.tqm.Find("CT-1")
	if len(got) != 1 || got[0].FileSize != len(long) {
		t.Fatalf("the longest recording was not sent: %+v (long is %d bytes)", got, len(long))
	}
	for _, l := range e.mango.IssuedLinks() {
		if strings.Contains(res.Reason.English()+res.Response, l) {
			t.Fatal("one-time link in the result")
		}
	}
	if e.mango.FileRequestsWithCredentials() != 0 {
		t.Fatal("credentials sent to a one-time link")
	}
}

func TestAnnouncedRecordingNotReadyHonoursTheLockout(t *testing.T) {
	e := newEnv(t, salt)
	e.mango.AddRecording("rec-1", testaudio.WAV(t, 10, 2, 8000), vpbxfake.AvailableAfter(3*time.Minute))
	s := e.sender(ModeUpload, index{"E-1": {"rec-1"}}, true)
	c, fields := e.call(t, "vpbx", "E-1", 120, map[string]string{"entryId": "E-1"})
	var results []calls.Result
	for i := 0; i < 40; i++ { // an impatient worker: a try every 10 s
		res, err := s.Send(context.Background(), c, fields)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
		if res.Outcome == calls.OutcomeDelivered {
			break
		}
		if res.Outcome != calls.OutcomeWaiting {
			t.Fatalf("try %d: %+v", i, res)
		}
		e.clk.Add(10 * time.Second)
	}
	if last := results[len(results)-1]; last.Outcome != calls.OutcomeDelivered {
		t.Fatalf("never delivered: %+v", last)
	}
	if results[0].RetryAfter < 2*time.Minute {
		t.Fatalf("first wait %v is shorter than the lockout", results[0].RetryAfter)
	}
	if n := e.mango.MaxInvalidWithin(2 * time.Minute); n > 1 {
		t.Fatalf("%d invalid requests to Mango inside 2 minutes", n)
	}
	if len(e.incidents) != 0 {
		t.Fatalf("a not-ready recording raised a credentials incident: %v", e.incidents)
	}
	if got := e.tqm.Find("E-1"); len(got) != 1 || got[0].FileFormat != "wav" {
		t.Fatalf("TQM got %+v", got)
	}
}

func TestWrongSaltNeverTwiceInTwoMinutes(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusUnauthorized} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			e := newEnv(t, "wrong-salt")
			e.mango = vpbxfake.New(vpbxKey, salt, vpbxfake.WithClock(e.clk.Now), vpbxfake.WithInvalidStatus(status))
			defer e.mango.Close()
			e.vc.BaseURL = e.mango.URL()
			s := e.sender(ModeUpload, index{}, true)
			for i := 0; i < 60; i++ { // 10 minutes of tries every 10 s, two calls
				for _, id := range []string{"CT-1", "CT-2"} {
					c, fields := e.call(t, "calltracking", id, 60, nil)
					res, err := s.Send(context.Background(), c, fields)
					if err != nil || res.Outcome != calls.OutcomeWaiting {
						t.Fatalf("try %d: %+v %v", i, res, err)
					}
				}
				e.clk.Add(10 * time.Second)
			}
			if n := e.mango.MaxInvalidWithin(2 * time.Minute); n != 1 {
				t.Fatalf("%d invalid requests inside 2 minutes, want exactly 1", n)
			}
			if n := len(e.mango.InvalidRequests()); n < 2 || n > 5 {
				t.Fatalf("%d invalid requests in 10 minutes: the client should retry after each pause", n)
			}
			if len(e.incidents) != 1 || !strings.HasPrefix(e.incidents[0], IncidentVPBXCredentials+"|vpbx.") {
				t.Fatalf("incidents %v, want one", e.incidents)
			}
			if len(e.tqm.Accepted()) != 0 {
				t.Fatal("a call was sent without its recording")
			}
		})
	}
}

func TestCallsWithoutRecording(t *testing.T) {
	cases := []struct {
		name      string
		dur       int
		extra     map[string]string
		age       time.Duration // clock moved after the call was made
		withVPBX  bool
		wantClass calls.Outcome
		wantBody  string
	}{
		{"short call", 4, nil, 0, true, calls.OutcomeSkipped, "shorter than ~6 s"},
		{"short call, no VPBX", 5, nil, 0, false, calls.OutcomeSkipped, "shorter than ~6 s"},
		{"missed VPBX call", 0, map[string]string{"answered": "0"}, 0, true, calls.OutcomeSkipped, "missed call"},
		{"not there yet", 60, nil, 10 * time.Minute, true, calls.OutcomeWaiting, "not in Mango Office yet"},
		{"given up", 60, nil, 30 * time.Minute, true, calls.OutcomeAttention, "no recording: Mango Office had none"},
		{"no VPBX", 60, nil, 0, false, calls.OutcomeAttention, "VPBX API is not set up"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, salt)
			c, fields := e.call(t, "calltracking", "CT-1", tc.dur, tc.extra)
			e.clk.Add(tc.age)
			res, err := e.sender(ModeUpload, index{}, tc.withVPBX).Send(context.Background(), c, fields)
			if err != nil || res.Outcome != tc.wantClass || !strings.Contains(res.Reason.English(), tc.wantBody) || res.HTTPStatus != 0 {
				t.Fatalf("Send = %+v, %v; want outcome %q with %q", res, err, tc.wantClass, tc.wantBody)
			}
		})
	}
}

// TestTQMLimits: TQM takes an MP3 up to 32 MB, an original PCM-WAV up to
// 100 MB (it converts it), any file up to one hour (docs/tqm.md §3.2);
// beyond that the call needs attention and TQM is not asked.
func TestTQMLimits(t *testing.T) {
	big := MaxSize + 1000
	mp3 := testaudio.MP3(t, 9, true)
	cases := []struct {
		name string
		data []byte
		want string // "" = sent to TQM
	}{
		{"not audio", []byte("<html>please log in</html>"), "cannot be downloaded"}, // falls back to Mango: none
		{"over an hour", wavHeader(1, 100, 400000, make([]byte, 400000)), "at most one hour"},
		{"PCM-WAV over 32 MB is sent", wavHeader(2, 32000, big, make([]byte, big)), ""},
		{"non-PCM WAV over 32 MB", wavTag(wavHeader(2, 32000, big, make([]byte, big)), 6), "larger than 32 MB"},
		{"MP3 over 32 MB", append(append([]byte{}, mp3...), make([]byte, big)...), "larger than 32 MB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, salt)
			link := serveBytes(t, 200, "audio/wav", tc.data)
			c, fields := e.call(t, "calltracking", "CT-1", 60, map[string]string{"recordUrl": link})
			res, err := e.sender(ModeUpload, nil, false).Send(context.Background(), c, fields)
			if tc.want == "" {
				if err != nil || res.Outcome != calls.OutcomeDelivered || len(e.tqm.Accepted()) != 1 {
					t.Fatalf("Send = %+v, %v; want the call accepted by TQM", res, err)
				}
				return
			}
			if err != nil || res.Outcome != calls.OutcomeAttention || !strings.Contains(res.Reason.English(), tc.want) {
				t.Fatalf("Send = %+v, %v; want attention with %q", res, err, tc.want)
			}
			if len(e.tqm.Accepted())+len(e.tqm.Rejected()) != 0 {
				t.Fatal("TQM was asked")
			}
		})
	}
}

// wavTag sets a WAV header's format tag (1 PCM, 6 A-law, …).
func wavTag(wav []byte, tag uint16) []byte {
	wav[20], wav[21] = byte(tag), byte(tag>>8)
	return wav
}

func TestMonoWarnsOncePerDay(t *testing.T) {
	e := newEnv(t, salt)
	s := e.sender(ModeUpload, nil, false)
	mono := serveBytes(t, 200, "audio/mpeg", testaudio.MP3(t, 7, false))
	stereo := serveBytes(t, 200, "audio/wav", testaudio.WAV(t, 7, 2, 8000))
	type call struct {
		c      calls.Call
		fields []mapping.Field
	}
	byID := map[string]call{}
	for id, link := range map[string]string{"S-1": stereo, "M-1": mono, "M-2": mono, "M-3": mono} {
		c, fields := e.call(t, "calltracking", id, 60, map[string]string{"recordUrl": link})
		byID[id] = call{c, fields}
	}
	send := func(id, _ string) {
		c, fields := byID[id].c, byID[id].fields
		if res, err := s.Send(context.Background(), c, fields); err != nil || res.Outcome != calls.OutcomeDelivered {
			t.Fatalf("%s: %+v %v", id, res, err)
		}
	}
	send("S-1", stereo)
	if e.monos != 0 {
		t.Fatal("stereo reported as mono")
	}
	send("M-1", mono)
	send("M-2", mono)
	if e.monos != 1 {
		t.Fatalf("OnMono called %d times, want once", e.monos)
	}
	e.clk.Add(25 * time.Hour)
	send("M-3", mono)
	if e.monos != 2 {
		t.Fatalf("OnMono called %d times after a day, want 2", e.monos)
	}
	if got := e.tqm.Find("M-1"); len(got) != 1 || got[0].FileChannels != 1 {
		t.Fatalf("TQM got %+v", got)
	}
}
