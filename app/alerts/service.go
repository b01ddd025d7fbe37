package alerts

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/assets/i18n"
	"mangotqm/store"
)

// Store is what the alerts keep in the database (*store.Store).
type Store interface {
	IncidentChanges(ctx context.Context, limit int) ([]store.IncidentChange, error)
	Announce(ctx context.Context, changes []store.IncidentChange, alerts []store.Alert) error
	DueAlerts(ctx context.Context, now time.Time, limit int) ([]store.Alert, error)
	NextAlertDue(ctx context.Context) (time.Time, bool, error)
	AlertDone(ctx context.Context, id int64, note string) error
	AlertFailed(ctx context.Context, id int64, next time.Time, why string) error
	DeferAlerts(ctx context.Context, channel string, until time.Time) error
	DailyCounts(ctx context.Context, now time.Time, days int) ([]store.DayCount, error)
	Counts(ctx context.Context, dayStart time.Time) (calls.Counts, error)
	OpenIncidents(ctx context.Context) ([]calls.Incident, error)
}

// DefaultBackoff: the waits after a channel's failed tries (the last one
// repeats).
// A down channel is tried at least once a minute: that costs nothing, and a
// message goes out soon after the server is back.
var DefaultBackoff = []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, time.Minute}

// Config configures a Service. Store, Settings and Secrets are required.
type Config struct {
	Store    Store
	Settings func() config.Alerts // read at every step
	Secrets  secrets.Store
	// Lang: the messages' language (default Russian).
	Lang string
	// Clock tells the time and waits (default clock.Real; tests inject a
	// fake one).
	Clock clock.Clock
	// Backoff: waits after failed tries (default DefaultBackoff).
	Backoff []time.Duration
	// Channels replaces the channels built from the settings (tests).
	Channels func(config.Alerts) map[string]Channel
	// HTTP and TLSConfig tune the Telegram client and the SMTP TLS (tests).
	HTTP      *http.Client
	TLSConfig *tls.Config
	Host      string // the machine's name in the footer (default os.Hostname)
	Logger    *slog.Logger
	// StorageKind is the incident kind of a failing database (the bridge's
	// "storage"): raised while the database cannot record it, it is
	// announced from memory, and cleared once the database writes again.
	StorageKind string
	// Poll is the longest wait between steps (default 1 minute): the
	// summary's time is checked at least that often.
	Poll time.Duration
}

// Service turns incidents into alerts and sends them.
type Service struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	mu          sync.Mutex
	summaryDone string                          // the local day whose summary was enqueued
	unrecorded  map[string]store.IncidentChange // incidents the database could not keep
	redactor    *secrets.Redactor
}

// New returns a service; Run runs it.
func New(cfg Config) *Service {
	cfg.Clock = clock.Or(cfg.Clock)
	if len(cfg.Backoff) == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Lang == "" || !i18n.Known(cfg.Lang) {
		cfg.Lang = i18n.RU
	}
	if cfg.Host == "" {
		cfg.Host, _ = os.Hostname()
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Minute
	}
	if cfg.Channels == nil {
		cfg.Channels = func(s config.Alerts) map[string]Channel {
			return Channels(s, cfg.Secrets, cfg.HTTP, cfg.TLSConfig)
		}
	}
	return &Service{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1),
		unrecorded: map[string]store.IncidentChange{}}
}

func (s *Service) texts() texts { return texts{lang: s.cfg.Lang, host: s.cfg.Host} }

// Wake makes Run look at once (an incident opened or cleared, the
// settings changed). It never blocks.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Unrecorded announces an incident the database could not record (the
// database itself is the problem): it is kept in memory and sent like
// the others, without the outbox.
func (s *Service) Unrecorded(kind string, open bool, message string) {
	s.mu.Lock()
	now := s.cfg.Clock.Now()
	if open {
		if _, ok := s.unrecorded[kind]; !ok {
			s.unrecorded[kind] = store.IncidentChange{Kind: kind, Message: message, Event: store.IncidentOpened, Opened: now}
		}
	}
	s.mu.Unlock()
	s.Wake()
}

// Run sends alerts until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	for {
		next := s.Step(ctx)
		wait := s.cfg.Poll
		if !next.IsZero() {
			// At least a second: a due time that could not be moved (the
			// database failing) must not spin the loop against a channel.
			wait = min(wait, max(next.Sub(s.cfg.Clock.Now()), time.Second))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.wake:
		case <-s.cfg.Clock.After(wait):
		}
	}
}

// Step does what is due now: announces incident changes, enqueues the
// daily summary when its time came, sends due alerts. It returns when
// the next alert is due (zero: none waits).
func (s *Service) Step(ctx context.Context) time.Time {
	s.ForgetSecrets() // read again when needed: a key may have changed
	settings := s.cfg.Settings()
	channels := s.cfg.Channels(settings)
	if err := s.announce(ctx, channels); err != nil {
		s.log.Warn("alerts: cannot read incidents", "err", err)
	}
	if err := s.summary(ctx, settings, channels); err != nil {
		s.log.Warn("alerts: cannot make the daily summary", "err", err)
	}
	s.sendUnrecorded(ctx, channels)
	s.recovered(ctx, channels)
	if err := s.sendDue(ctx, channels); err != nil {
		s.log.Warn("alerts: cannot read the outbox", "err", err)
	}
	next, ok, err := s.cfg.Store.NextAlertDue(ctx)
	if err != nil || !ok {
		return time.Time{}
	}
	return next
}

// redact removes every stored secret from text.
func (s *Service) redact(ctx context.Context, text string) string {
	s.mu.Lock()
	r := s.redactor
	s.mu.Unlock()
	if r == nil {
		r = secrets.NewRedactor()
		for _, n := range secrets.All {
			if v, err := s.cfg.Secrets.Get(ctx, n); err == nil {
				r.Add(v)
			}
		}
		s.mu.Lock()
		s.redactor = r
		s.mu.Unlock()
	}
	return r.Redact(text)
}

// ForgetSecrets makes the next message read the secrets again (one was
// changed).
func (s *Service) ForgetSecrets() {
	s.mu.Lock()
	s.redactor = nil
	s.mu.Unlock()
}

func (s *Service) zone() *time.Location { return s.cfg.Clock.Now().Location() }

// announce turns new incident changes into outbox rows, one per channel on.
func (s *Service) announce(ctx context.Context, channels map[string]Channel) error {
	for {
		changes, err := s.cfg.Store.IncidentChanges(ctx, 50)
		if err != nil || len(changes) == 0 {
			return err
		}
		var out []store.Alert
		for _, c := range changes {
			c.Message = s.redact(ctx, c.Message)
			m := s.texts().incident(c, s.zone())
			for name := range channels {
				out = append(out, store.Alert{Channel: name, Topic: c.Kind,
					Dedup:   fmt.Sprintf("incident:%d:%s:%s", c.IncidentID, c.Event, name),
					Subject: s.redact(ctx, m.Subject), Body: s.redact(ctx, m.Body)})
			}
			s.log.Info("alert: incident announced", "kind", c.Kind, "event", c.Event, "channels", len(channels))
		}
		if err := s.cfg.Store.Announce(ctx, changes, out); err != nil {
			return err
		}
		if len(changes) < 50 {
			return nil
		}
	}
}

// summary enqueues yesterday's summary once its time came today.
func (s *Service) summary(ctx context.Context, settings config.Alerts, channels map[string]Channel) error {
	h, m, on := settings.SummaryAt()
	if !on || len(channels) == 0 {
		return nil
	}
	now := s.cfg.Clock.Now()
	y, mo, d := now.Date()
	at := time.Date(y, mo, d, h, m, 0, 0, now.Location())
	day := now.Format("2006-01-02")
	s.mu.Lock()
	done := s.summaryDone == day
	s.mu.Unlock()
	if done || now.Before(at) {
		return nil
	}
	data, err := s.SummaryData(ctx)
	if err != nil {
		return err
	}
	msg := s.texts().summary(data)
	var out []store.Alert
	for name := range channels {
		out = append(out, store.Alert{Channel: name, Topic: "summary", Dedup: "summary:" + day + ":" + name,
			Subject: s.redact(ctx, msg.Subject), Body: s.redact(ctx, msg.Body)})
	}
	if err := s.cfg.Store.Announce(ctx, nil, out); err != nil {
		return err
	}
	s.mu.Lock()
	s.summaryDone = day
	s.mu.Unlock()
	return nil
}

// SummaryData counts yesterday's calls and what waits now.
func (s *Service) SummaryData(ctx context.Context) (SummaryData, error) {
	now := s.cfg.Clock.Now()
	days, err := s.cfg.Store.DailyCounts(ctx, now, 2)
	if err != nil || len(days) != 2 {
		return SummaryData{}, fmt.Errorf("daily counts: %w", err)
	}
	y, mo, d := now.Date()
	counts, err := s.cfg.Store.Counts(ctx, time.Date(y, mo, d, 0, 0, 0, 0, now.Location()))
	if err != nil {
		return SummaryData{}, err
	}
	open, err := s.cfg.Store.OpenIncidents(ctx)
	if err != nil {
		return SummaryData{}, err
	}
	out := SummaryData{Day: days[0].Day, Total: days[0].Total, Delivered: days[0].Delivered, Failed: days[0].Failed,
		Waiting: counts.Waiting + counts.Sending, NotDelivered: counts.Failed, Attn: counts.Attention + counts.Invalid}
	for _, in := range open {
		out.Open = append(out.Open, in.Kind)
	}
	return out, nil
}

// sendDue sends what is due; a channel that fails is left alone until its
// backoff ends (its other messages wait with it).
func (s *Service) sendDue(ctx context.Context, channels map[string]Channel) error {
	due, err := s.cfg.Store.DueAlerts(ctx, s.cfg.Clock.Now(), 100)
	if err != nil {
		return err
	}
	failed := map[string]bool{}
	for _, a := range due {
		if ctx.Err() != nil {
			return nil
		}
		if failed[a.Channel] {
			continue
		}
		ch, ok := channels[a.Channel]
		if !ok {
			// The channel was turned off: the message is dropped.
			if err := s.cfg.Store.AlertDone(ctx, a.ID, "channel turned off"); err != nil {
				return err
			}
			continue
		}
		err := s.send(ctx, ch, Message{Subject: a.Subject, Body: a.Body})
		if err == nil {
			if err := s.cfg.Store.AlertDone(ctx, a.ID, ""); err != nil {
				return err
			}
			s.log.Info("alert sent", "channel", a.Channel, "topic", a.Topic, "tries", a.Attempts+1)
			continue
		}
		failed[a.Channel] = true
		wait := s.cfg.Backoff[min(a.Attempts, len(s.cfg.Backoff)-1)]
		var se *SendError
		if errors.As(err, &se) && se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		next := s.cfg.Clock.Now().Add(wait)
		why := s.redact(ctx, Explain(s.cfg.Lang, err))
		s.log.Warn("alert not sent; will retry", "channel", a.Channel, "topic", a.Topic, "tries", a.Attempts+1,
			"next_attempt", next, "reason", why, "err", s.redact(ctx, err.Error()))
		if err := s.cfg.Store.AlertFailed(ctx, a.ID, next, why); err != nil {
			return err
		}
		if err := s.cfg.Store.DeferAlerts(ctx, a.Channel, next); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) send(ctx context.Context, ch Channel, m Message) error {
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	return ch.Send(sctx, m)
}

// sendUnrecorded sends the incidents the database could not keep, once
// each (in memory: tried again at every step until sent).
func (s *Service) sendUnrecorded(ctx context.Context, channels map[string]Channel) {
	s.mu.Lock()
	pending := make(map[string]store.IncidentChange, len(s.unrecorded))
	for k, c := range s.unrecorded {
		if c.IncidentID == 0 { // not yet sent
			pending[k] = c
		}
	}
	s.mu.Unlock()
	for kind, c := range pending {
		m := s.texts().incident(c, s.zone())
		m.Subject, m.Body = s.redact(ctx, m.Subject), s.redact(ctx, m.Body)
		ok := true
		for name, ch := range channels {
			if err := s.send(ctx, ch, m); err != nil {
				ok = false
				s.log.Warn("alert not sent; will retry", "channel", name, "topic", kind, "err", s.redact(ctx, err.Error()))
			}
		}
		if ok {
			s.mu.Lock()
			c.IncidentID = -1 // sent
			s.unrecorded[kind] = c
			s.mu.Unlock()
		}
	}
}

// recovered: once the database writes again, the unrecorded incidents are
// over; the storage one is announced cleared (through the outbox, whose
// write is the proof).
func (s *Service) recovered(ctx context.Context, channels map[string]Channel) {
	s.mu.Lock()
	var sent []store.IncidentChange
	for _, c := range s.unrecorded {
		if c.IncidentID == -1 {
			sent = append(sent, c)
		}
	}
	s.mu.Unlock()
	if len(sent) == 0 {
		return
	}
	var out []store.Alert
	for _, c := range sent {
		if c.Kind != s.cfg.StorageKind || s.cfg.StorageKind == "" {
			continue
		}
		c.Event, c.Cleared = store.IncidentCleared, s.cfg.Clock.Now()
		m := s.texts().incident(c, s.zone())
		for name := range channels {
			out = append(out, store.Alert{Channel: name, Topic: c.Kind,
				Dedup:   fmt.Sprintf("unrecorded:%s:%d:cleared:%s", c.Kind, c.Opened.UnixMilli(), name),
				Subject: s.redact(ctx, m.Subject), Body: s.redact(ctx, m.Body)})
		}
	}
	if err := s.cfg.Store.Announce(ctx, nil, out); err != nil {
		return // still failing
	}
	s.mu.Lock()
	for _, c := range sent {
		delete(s.unrecorded, c.Kind)
	}
	s.mu.Unlock()
}

// Test sends a test message through one channel of the given settings
// now (not through the outbox): nil, or the failure (see Explain).
func (s *Service) Test(ctx context.Context, settings config.Alerts, channel string) error {
	ch, ok := s.cfg.Channels(settings)[channel]
	if !ok {
		return &SendError{Key: "alerts.fail.disabled"}
	}
	return s.send(ctx, ch, s.texts().test())
}

// Lang is the messages' language.
func (s *Service) Lang() string { return s.cfg.Lang }
