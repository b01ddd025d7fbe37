package alerts

import (
	"context"
	"errors"
	"fmt"
	"mangotqm/app/clock"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/store"
)

// box is a fake channel: it records what it was given and fails while down.
type box struct {
	mu    sync.Mutex
	down  bool
	tries int
	got   []Message
}

func (b *box) Send(_ context.Context, m Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tries++
	if b.down {
		return &SendError{Key: "alerts.fail.unreachable", Data: map[string]any{"Server": "smtp.test:25"}, Err: errors.New("connection refused")}
	}
	b.got = append(b.got, m)
	return nil
}

func (b *box) messages() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Message(nil), b.got...)
}

func (b *box) setDown(d bool) { b.mu.Lock(); b.down = d; b.mu.Unlock() }

func (b *box) triesSoFar() int { b.mu.Lock(); defer b.mu.Unlock(); return b.tries }

var msk = time.FixedZone("MSK", 3*3600)

type rig struct {
	st             *store.Store
	clk            *clocktest.Manual
	svc            *Service
	email, tg      *box
	mu             sync.Mutex
	settings       config.Alerts
	sec            *secrets.Memory
	channelsActive map[string]bool
}

const tqmSecret = "tqm-secret-key-0123456789"

func newRig(t *testing.T, start time.Time) *rig {
	t.Helper()
	clk := clocktest.NewManual(start) // the store and the service share its time
	// The store reads the manual time but waits (its file check) on the
	// wall clock, so the only wait on clk is the service's own.
	st, err := store.Open(t.Context(), t.TempDir(), store.Options{Clock: clock.Reading(clk.Now)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	r := &rig{st: st, clk: clk, email: &box{}, tg: &box{},
		sec: secrets.NewMemory(map[secrets.Name]string{secrets.TQMKey: tqmSecret})}
	r.settings = config.DefaultAlerts()
	r.settings.Email, r.settings.EmailTo, r.settings.SMTPHost, r.settings.SMTPFrom = true, "a@office.ru", "smtp.office.ru", "b@office.ru"
	r.settings.Telegram, r.settings.TelegramChat = true, "-100123"
	r.settings.Summary = config.SummaryOff // TestDailySummary turns it on
	r.svc = New(Config{Store: st, Secrets: r.sec, Clock: clk, Host: "office-pc",
		Settings: func() config.Alerts { r.mu.Lock(); defer r.mu.Unlock(); return r.settings },
		Channels: func(a config.Alerts) map[string]Channel {
			out := map[string]Channel{}
			if a.Email {
				out[ChannelEmail] = r.email
			}
			if a.Telegram {
				out[ChannelTelegram] = r.tg
			}
			return out
		}})
	return r
}

func (r *rig) set(f func(*config.Alerts)) { r.mu.Lock(); f(&r.settings); r.mu.Unlock() }

func counts(t *testing.T, r *rig, email, tg int) {
	t.Helper()
	if e, g := len(r.email.messages()), len(r.tg.messages()); e != email || g != tg {
		t.Fatalf("e-mails %d, Telegram messages %d; want %d, %d", e, g, email, tg)
	}
}

// One message per channel when an incident opens, none while it stays
// open (raised again, the app restarted), one when it clears; in Russian,
// naming TQM, with no secret in it.
func TestIncidentOnceWhenOpenedOnceWhenCleared(t *testing.T) {
	ctx := t.Context()
	r := newRig(t, time.Date(2026, 12, 4, 10, 0, 0, 0, msk))
	r.svc.Step(ctx)
	counts(t, r, 0, 0)
	if _, err := r.st.OpenIncident(ctx, "tqm_key_rejected", "HTTP 401 for key "+tqmSecret); err != nil {
		t.Fatal(err)
	}
	r.svc.Step(ctx)
	counts(t, r, 1, 1)
	for _, m := range append(r.email.messages(), r.tg.messages()...) {
		for _, want := range []string{"TQM отклонил ключ доступа", "Что сделать", "office-pc", "04.12.2026 10:00", secrets.Redacted} {
			if !strings.Contains(m.Subject+m.Body, want) {
				t.Errorf("message lacks %q:\n%s\n%s", want, m.Subject, m.Body)
			}
		}
		if strings.Contains(m.Subject+m.Body, tqmSecret) {
			t.Fatalf("the TQM key is in the alert:\n%s", m.Body)
		}
	}
	// Raised again while open; a new service over the same database (a
	// restart): nothing more.
	if opened, err := r.st.OpenIncident(ctx, "tqm_key_rejected", "again"); err != nil || opened {
		t.Fatalf("reopened %v %v", opened, err)
	}
	r.svc.Step(ctx)
	again := New(r.svc.cfg)
	again.Step(ctx)
	counts(t, r, 1, 1)
	r.clk.Advance(90 * time.Minute)
	if _, err := r.st.ClearIncident(ctx, "tqm_key_rejected"); err != nil {
		t.Fatal(err)
	}
	r.svc.Step(ctx)
	r.svc.Step(ctx)
	counts(t, r, 2, 2)
	closed := r.email.messages()[1]
	if !strings.Contains(closed.Subject, "Решено: TQM снова принимает ключ") || !strings.Contains(closed.Body, "10:00 — 04.12.2026 11:30") {
		t.Fatalf("clearing message:\n%s\n%s", closed.Subject, closed.Body)
	}
	// A kind nobody wrote a text for (added later by another part) still
	// reaches the admin, with its message.
	if _, err := r.st.OpenIncident(ctx, "something_new", "the new part's own message"); err != nil {
		t.Fatal(err)
	}
	r.svc.Step(ctx)
	counts(t, r, 3, 3)
	if m := r.tg.messages()[2]; !strings.Contains(m.Subject, "something_new") || !strings.Contains(m.Body, "the new part's own message") {
		t.Fatalf("generic message:\n%s\n%s", m.Subject, m.Body)
	}
}

// A channel that is down delays its messages (backoff on the injected
// clock) without touching the other channel; each message is sent once
// when it is back.
func TestChannelDownRetriesWithBackoff(t *testing.T) {
	ctx := t.Context()
	r := newRig(t, time.Date(2026, 12, 4, 10, 0, 0, 0, msk))
	r.email.setDown(true)
	for _, k := range []string{"tqm_key_rejected", "storage"} {
		if _, err := r.st.OpenIncident(ctx, k, ""); err != nil {
			t.Fatal(err)
		}
	}
	next := r.svc.Step(ctx)
	counts(t, r, 0, 2)
	if r.email.triesSoFar() != 1 {
		t.Fatalf("%d tries of the down channel in one step; want 1 (the rest wait with it)", r.email.triesSoFar())
	}
	if want := r.clk.Now().Add(DefaultBackoff[0]); !next.Equal(want) {
		t.Fatalf("next due %v, want %v", next, want)
	}
	steps := []struct {
		advance   time.Duration
		up        bool
		wantTries int
		wantMails int
	}{
		{advance: 0, wantTries: 1},                 // not due yet
		{advance: DefaultBackoff[0], wantTries: 2}, // due: tried, fails
		{advance: DefaultBackoff[1] - time.Second, wantTries: 2},
		{advance: time.Second, wantTries: 3},                               // second backoff over
		{advance: DefaultBackoff[2], up: true, wantTries: 5, wantMails: 2}, // back: both sent
		{advance: time.Hour, up: true, wantTries: 5, wantMails: 2},
	}
	for i, s := range steps {
		r.clk.Advance(s.advance)
		r.email.setDown(!s.up)
		r.svc.Step(ctx)
		if got := r.email.triesSoFar(); got != s.wantTries {
			t.Fatalf("step %d: %d tries, want %d", i, got, s.wantTries)
		}
		if got := len(r.email.messages()); got != s.wantMails {
			t.Fatalf("step %d: %d mails, want %d", i, got, s.wantMails)
		}
	}
	counts(t, r, 2, 2)
	if r.email.messages()[0].Subject != r.tg.messages()[0].Subject {
		t.Fatal("the delayed mail is not the same message, or out of order")
	}
}

// The daily summary on a fake clock: yesterday's counts at the chosen
// time, once a day, with what to do.
func TestDailySummary(t *testing.T) {
	ctx := t.Context()
	r := newRig(t, time.Date(2026, 12, 3, 12, 0, 0, 0, msk))
	// Yesterday: three calls, two delivered, one failed for good.
	for i, status := range []calls.Status{calls.StatusDelivered, calls.StatusDelivered, calls.StatusFailed} {
		in, err := r.st.Intake(ctx, store.NewCall{Source: calls.SourceCalltracking, CallID: fmt.Sprintf("S%d", i), Raw: "{}"})
		if err != nil {
			t.Fatal(err)
		}
		u := calls.Step{Attempt: calls.Attempt{Started: r.clk.Now(), Outcome: calls.OutcomeDelivered},
			Status: status, Delivered: r.clk.Now(), Counted: true}
		if status == calls.StatusFailed {
			u.Reason = calls.NewReason(calls.CodeGaveUp, "tries", "8")
		}
		if err := r.st.Finish(ctx, in.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	r.set(func(a *config.Alerts) { a.Summary = "09:00" })
	cases := []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 12, 3, 23, 0, 0, 0, msk), 1},  // the 3rd's own summary (of the 2nd) after 09:00
		{time.Date(2026, 12, 4, 8, 59, 59, 0, msk), 1}, // not yet
		{time.Date(2026, 12, 4, 9, 0, 0, 0, msk), 2},   // the 4th's
		{time.Date(2026, 12, 4, 9, 30, 0, 0, msk), 2},  // once a day
		{time.Date(2026, 12, 4, 18, 0, 0, 0, msk), 2},
		{time.Date(2026, 12, 5, 9, 0, 1, 0, msk), 3}, // the next day
	}
	for i, c := range cases {
		r.clk.Set(c.at)
		r.svc.Step(ctx)
		if got := len(r.email.messages()); got != c.want || len(r.tg.messages()) != c.want {
			t.Fatalf("case %d at %v: %d mails, %d Telegram; want %d", i, c.at, got, len(r.tg.messages()), c.want)
		}
	}
	m := r.email.messages()[1]
	for _, want := range []string{"Вчера (03.12.2026): принято 3, отправлено в TQM 2, не доставлено 1.", "Что сделать:", "Отправить снова"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("summary lacks %q:\n%s", want, m.Body)
		}
	}
	if !strings.Contains(m.Subject, "Сводка за 03.12.2026: принято 3, отправлено в TQM 2, не доставлено 1") {
		t.Errorf("subject %q", m.Subject)
	}
	// Off: nothing.
	r.set(func(a *config.Alerts) { a.Summary = config.SummaryOff })
	r.clk.Set(time.Date(2026, 12, 6, 9, 5, 0, 0, msk))
	r.svc.Step(ctx)
	counts(t, r, 3, 3)
}

// An incident the database cannot record (it is the database that fails)
// is still sent, once, from memory; a channel turned off drops what
// waited for it.
func TestUnrecordedAndChannelOff(t *testing.T) {
	ctx := t.Context()
	r := newRig(t, time.Date(2026, 12, 4, 10, 0, 0, 0, msk))
	r.svc.cfg.StorageKind = "storage"
	r.svc.Unrecorded("storage", true, "disk full")
	r.svc.Unrecorded("storage", true, "disk full")
	// While the database fails, the opening goes out from memory; this
	// store writes, so the next step announces the clearing.
	r.svc.sendUnrecorded(ctx, r.svc.cfg.Channels(r.settings))
	r.svc.sendUnrecorded(ctx, r.svc.cfg.Channels(r.settings))
	counts(t, r, 1, 1)
	if !strings.Contains(r.tg.messages()[0].Subject, "База звонков повреждена, удалена или диск заполнен") {
		t.Fatalf("subject %q", r.tg.messages()[0].Subject)
	}
	r.svc.Step(ctx)
	r.svc.Step(ctx)
	counts(t, r, 2, 2)
	if !strings.Contains(r.tg.messages()[1].Subject, "Решено: База звонков снова записывается") {
		t.Fatalf("subject %q", r.tg.messages()[1].Subject)
	}
	r.email.setDown(true)
	if _, err := r.st.OpenIncident(ctx, "call_failed", ""); err != nil {
		t.Fatal(err)
	}
	r.svc.Step(ctx)
	counts(t, r, 2, 3)
	r.set(func(a *config.Alerts) { a.Email = false })
	r.clk.Advance(time.Hour)
	r.email.setDown(false)
	r.svc.Step(ctx)
	counts(t, r, 2, 3)
	if next, ok, err := r.st.NextAlertDue(ctx); err != nil || ok {
		t.Fatalf("something still waits: %v %v", next, err)
	}
}

// Run steps when woken (an incident changed) and when its timer fires;
// it never waits for a timer to see a Wake.
func TestRunWakesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r := newRig(t, time.Date(2026, 12, 4, 10, 0, 0, 0, msk))
	// The fake clock never moves: its timer never fires, only Wake can step.
	done := make(chan error, 1)
	go func() { done <- r.svc.Run(ctx) }()
	clocktest.Eventually(t, "Run waiting after its first step", func() bool { return r.clk.Waiting() == 1 })
	if _, err := r.st.OpenIncident(ctx, "tqm_key_rejected", ""); err != nil {
		t.Fatal(err)
	}
	r.svc.Wake()
	clocktest.Eventually(t, "a Wake making Run send", func() bool { return len(r.tg.messages()) > 0 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	counts(t, r, 1, 1)
}

// Telegram's 429 retry_after is waited out even when it is longer than
// the backoff.
func TestRetryAfterIsHonoured(t *testing.T) {
	ctx := t.Context()
	r := newRig(t, time.Date(2026, 12, 4, 10, 0, 0, 0, msk))
	r.set(func(a *config.Alerts) { a.Email = false })
	limited := &limitedChannel{wait: 90 * time.Second}
	r.svc.cfg.Channels = func(config.Alerts) map[string]Channel { return map[string]Channel{ChannelTelegram: limited} }
	if _, err := r.st.OpenIncident(ctx, "call_failed", ""); err != nil {
		t.Fatal(err)
	}
	next := r.svc.Step(ctx)
	if want := r.clk.Now().Add(90 * time.Second); !next.Equal(want) {
		t.Fatalf("next try %v, want %v", next, want)
	}
	r.clk.Advance(89 * time.Second)
	r.svc.Step(ctx)
	if limited.tries != 1 {
		t.Fatalf("%d tries before retry_after ended", limited.tries)
	}
	r.clk.Advance(time.Second)
	r.svc.Step(ctx)
	if limited.tries != 2 || limited.sent != 1 {
		t.Fatalf("tries %d, sent %d", limited.tries, limited.sent)
	}
}

// limitedChannel answers its first try as Telegram's 429 does.
type limitedChannel struct {
	wait        time.Duration
	tries, sent int
}

func (l *limitedChannel) Send(context.Context, Message) error {
	l.tries++
	if l.tries == 1 {
		return &SendError{Key: "alerts.fail.telegram", Data: map[string]any{"Detail": "Too Many Requests"}, RetryAfter: l.wait}
	}
	l.sent++
	return nil
}
