package ui

import (
	"context"
	"net"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"mangotqm/app/bridge"
	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/ui/vm"
)

// roadNext taps Next on the road page and waits for the save.
func (z *wizard) roadNext(t *testing.T) {
	t.Helper()
	if !z.road.shown || z.road.form == nil {
		t.Fatalf("not on the road page (step %d)", z.i)
	}
	test.Tap(z.next)
	z.pending.Wait()
	z.u.flush()
}

// selectRoad picks a road on the road page.
func (z *wizard) selectRoad(k config.RoadKind) {
	f := z.road.form
	for i, ch := range f.choices {
		if ch.Kind == k {
			f.radios[i].SetSelected(z.u.tr.T(ch.TitleKey)) // as a tap does
		}
	}
	if f.kind() != k {
		panic("road not selected: " + string(k))
	}
}

// The road page: without the VPBX keys the poll road is refused and says
// why; with them it is saved and the ngrok steps are skipped; an own
// address over http is refused naming the field; an own address that
// answers is checked live and saved.
func TestWizardRoadPage(t *testing.T) {
	z, mem, done := newTestWizard(t)
	z.step("tqm-key-1234567890")
	test.Tap(z.skip) // no VPBX keys
	if !hasText(z.w.Content(), "Как Mango будет передавать звонки на этот компьютер?") {
		t.Fatal("the road page has no title")
	}
	var titles []string
	for _, r := range z.road.form.radios {
		titles = append(titles, r.Options...)
	}
	if strings.Join(titles, "|") != "ngrok (рекомендуется)|Свой адрес|Без входящих подключений: забирать звонки из Mango" {
		t.Errorf("the road page offers %q", titles)
	}
	for _, want := range []string{"authtoken", "проброс порта", "полутора минут"} {
		if !hasText(z.w.Content(), want) {
			t.Errorf("the road page lacks %q", want)
		}
	}
	z.selectRoad(config.RoadPoll)
	if z.road.form.whyNot.Hidden || !z.road.form.checkBtn.Disabled() {
		t.Fatal("the poll road without VPBX keys does not say why it is not available")
	}
	z.roadNext(t)
	if !z.road.shown || !strings.Contains(z.status.Text, "кода АТС") || z.u.bridge.Config().Road.Kind != config.RoadNgrok {
		t.Fatalf("poll without VPBX keys accepted: status %q, road %q", z.status.Text, z.u.bridge.Config().Road.Kind)
	}

	z.selectRoad(config.RoadOwn)
	z.road.form.publicURL.SetText("http://pbx.example.ru")
	z.roadNext(t)
	if !z.road.shown || !strings.Contains(z.status.Text, "Внешний адрес: «http://pbx.example.ru» не подходит") {
		t.Fatalf("an http own address accepted: status %q", z.status.Text)
	}
	// The live check of an address that does not answer says so.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	_ = dead.Close()
	z.road.form.publicURL.SetText("https://" + deadAddr)
	test.Tap(z.road.form.checkBtn)
	z.pending.Wait()
	z.u.flush()
	if !strings.Contains(z.road.form.result.Text, "не отвечает") {
		t.Fatalf("check of a dead address: %q", z.road.form.result.Text)
	}
	// A "public" address that reaches the listen address (here: itself).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	z.road.form.listen.SetText(addr)
	z.road.form.publicURL.SetText("https://pbx.example.ru/")
	z.roadNext(t)
	c := z.u.bridge.Config().Road
	if z.road.shown || c.Kind != config.RoadOwn || c.PublicURL != "https://pbx.example.ru" || c.Listen != addr {
		t.Fatalf("own address not saved: %+v (status %q)", c, z.status.Text)
	}
	if *done != 1 {
		t.Fatalf("own address: the wizard finished %d times, want its last page (no ngrok steps)", *done)
	}

	// With the VPBX keys saved, the poll road is offered and saved.
	_ = mem.Set(context.Background(), secrets.MangoVPBXKey, "abcdefghijklmnopqrstuvwxyz1")
	_ = mem.Set(context.Background(), secrets.MangoVPBXSalt, "0123456789abcdef0123456789abcdef")
	z.stored[secrets.MangoVPBXKey], z.stored[secrets.MangoVPBXSalt] = true, true
	z.showRoad()
	z.selectRoad(config.RoadPoll)
	if !z.road.form.whyNot.Hidden || z.road.form.checkBtn.Disabled() || z.road.form.poll.Hidden {
		t.Fatal("the poll road with VPBX keys is not offered with its interval and check")
	}
	z.road.form.every.SetSelectedIndex(0) // 30 s
	z.roadNext(t)
	if c := z.u.bridge.Config().Road; c.Kind != config.RoadPoll || c.PollEvery != config.Duration(pollChoices[0]) {
		t.Fatalf("poll road not saved: %+v", c)
	}
	if *done != 2 {
		t.Fatalf("wizard finished %d times", *done)
	}
}

// The silent-webhooks incident reaches the tray's tooltip; other incidents
// do not add a road line.
func TestTrayRoadLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		inc  []calls.Incident
		want string
	}{
		{"none", nil, ""},
		{"another incident", []calls.Incident{{Kind: bridge.IncidentTunnelDown, Message: "x"}}, ""},
		{"silent webhooks", []calls.Incident{{Kind: bridge.IncidentTunnelDown, Message: "x"}, {Kind: bridge.IncidentSilentWebhooks, Message: "вебхуки Mango не доходят"}}, "\nвебхуки Mango не доходят"},
	} {
		if got := trayRoadLine(vm.Header{Incidents: tc.inc}); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
