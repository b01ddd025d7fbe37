package bridge

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/tunnel"
)

func TestSilentCount(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	hook := []calls.Call{
		{Received: t0.Add(-2 * time.Hour), Params: `{"number":"+7 (495) 111-22-33"}`},
		{Received: t0.Add(-3 * time.Hour), Params: `{"number":"74952223344"}`},
		{Received: t0.Add(-time.Hour), Params: `not json`},
	}
	found := func(line, dir, answered string) calls.Call {
		return calls.Call{Params: `{"lineNumber":"` + line + `","direction":"` + dir + `","answered":"` + answered + `"}`}
	}
	for _, tc := range []struct {
		name  string
		found []calls.Call
		want  int
	}{
		{"none found", nil, 0},
		{"answered inbound on a tracking line", []calls.Call{found("74951112233", "inbound", "1")}, 1},
		{"four of them, other forms of the number", []calls.Call{found("74951112233", "inbound", "1"), found("84951112233", "inbound", "1"),
			found("74952223344", "inbound", "1"), found("4952223344", "inbound", "1")}, 4},
		{"missed call", []calls.Call{found("74951112233", "inbound", "0")}, 0},
		{"outbound call", []calls.Call{found("74951112233", "outbound", "1")}, 0},
		{"line that is not a tracking number", []calls.Call{found("74959999999", "inbound", "1")}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, last := silentCount(hook, tc.found)
			if n != tc.want || !last.Equal(t0.Add(-time.Hour)) {
				t.Fatalf("silentCount = %d, %v; want %d, %v", n, last, tc.want, t0.Add(-time.Hour))
			}
		})
	}
}

// The silent-webhooks incident end to end in the bridge: a webhook shows
// the tracking line; the reconcile then finds an answered inbound call on
// that line that no webhook brought, while the tunnel is online → the
// incident opens naming the count; the next webhook closes it.
func TestSilentWebhooksIncident(t *testing.T) {
	ctx := context.Background()
	mango := vpbxfake.New(roadKey, roadSalt)
	t.Cleanup(mango.Close)
	end := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	mango.AddCallRow(vpbxfake.Call{EntryID: "SILENT-1", FromNumber: "79161234567", ToExtension: "101", LineNumber: "74951112233",
		Start: end.Add(-2 * time.Minute), Answer: end.Add(-110 * time.Second), Finish: end, Records: []string{"rec-s1"}, DisconnectReason: 1100})
	tun := &fakeTunnel{public: "https://office.ngrok-free.dev", last: tunnel.Status{State: tunnel.Connecting}}
	mem := secrets.NewMemory(nil) // no VPBX keys yet: no reconcile before the webhook
	fake := sandbox.New("k")
	t.Cleanup(fake.Close)
	b, err := Open(ctx, Options{DataDir: t.TempDir(), Secrets: mem, TunnelOverride: tun, Lang: "ru",
		Sender: NewTQMSender(TQMOptions{BaseURL: fake.URL(), Key: func(context.Context) (string, error) { return "k", nil }})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	c := b.Config()
	c.VPBXURL = mango.URL()
	if err := b.SetConfig(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hook := func(id string) {
		t.Helper()
		url := "http://" + tun.ln.Addr().String() + b.Endpoints()[0].URL[len(tun.public):]
		at := time.Now().Add(-3 * time.Hour).UTC() // far from SILENT-1: not the same call
		resp, err := http.Get(url + "?callId=" + id + "&number=%2B7%20495%20111-22-33&callerNumber=79160000000&dateStart=" +
			at.Format("2006-01-02T15:04:05Z") + "&dateEnd=" + at.Add(time.Minute).Format("2006-01-02T15:04:05Z"))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("webhook: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	open := func() (string, bool) {
		inc, err := b.Incidents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range inc {
			if i.Kind == IncidentSilentWebhooks {
				return i.Message, true
			}
		}
		return "", false
	}
	hook("CT-1")
	_ = mem.Set(ctx, secrets.MangoVPBXKey, roadKey)
	_ = mem.Set(ctx, secrets.MangoVPBXSalt, roadSalt)
	b.ReloadSecrets(ctx) // reconciles now
	waitUntil(t, "the silent-webhooks incident", func() bool { _, ok := open(); return ok })
	if msg, _ := open(); !strings.Contains(msg, "только при сверке: 1") || !strings.Contains(msg, "Вебхуки Mango не доходят") {
		t.Fatalf("incident message %q", msg)
	}
	hook("CT-2")
	waitUntil(t, "the incident closed by a webhook", func() bool { _, ok := open(); return !ok })
}
