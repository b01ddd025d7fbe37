// Package vm holds the desktop app's view models: what the window and tray
// show and what their buttons do, without any widget, so that it is tested
// without a window. Text is returned as i18n keys plus data; the ui package
// renders them.
package vm

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"mangotqm/app/core"
	"mangotqm/app/mapping"
	"mangotqm/store"
	"mangotqm/tunnel"
)

// Backend is what the window needs from the core (core.Core satisfies it).
type Backend interface {
	Subscribe() (<-chan core.Event, func())
	Calls(ctx context.Context, f store.Filter) ([]store.Call, error)
	Call(ctx context.Context, row int64) (store.Call, []store.Attempt, error)
	Counts(ctx context.Context) (store.Counts, error)
	Resend(ctx context.Context, row int64) error
	ResendFailedSince(ctx context.Context, since time.Time) (int, error)
	SetPaused(ctx context.Context, paused bool) error
	Paused() bool
	Endpoints() []core.Endpoint
	TunnelStatus() tunnel.Status
	Incidents(ctx context.Context) ([]store.Incident, error)
	Mapping(ctx context.Context) (mapping.Config, error)
	SetMapping(ctx context.Context, m mapping.Config) error
	Preview(ctx context.Context, m mapping.Config) (mapping.Result, error)
	MarkURLCopied(ctx context.Context, url string) error
	DataDir() string
	Demo() bool
	Simulate(ctx context.Context) (int64, error)
}

// Period filters calls by when they were received.
type Period int

const (
	PeriodAll Period = iota
	PeriodToday
	PeriodWeek
)

// Tone is the colour class of a status.
type Tone int

const (
	ToneNeutral Tone = iota // waiting, duplicates
	ToneGood                // delivered
	ToneBusy                // sending, retrying
	ToneWarn                // needs attention, skipped
	ToneBad                 // failed, invalid
)

// StatusTone maps a status to its colour class.
func StatusTone(status string) Tone {
	switch status {
	case store.StatusDelivered:
		return ToneGood
	case store.StatusSending, store.StatusRetrying:
		return ToneBusy
	case store.StatusAttention, store.StatusSkipped:
		return ToneWarn
	case store.StatusFailed, store.StatusInvalid:
		return ToneBad
	}
	return ToneNeutral
}

// StatusKey is the i18n key of a status label.
func StatusKey(status string) string { return "ui.status." + status }

// StatusWaiting is the filter choice for queued and retrying calls.
const StatusWaiting = "waiting"

// FilterStatuses are the status filter's choices ("" = all), in order.
var FilterStatuses = []string{"", StatusWaiting, store.StatusSending, store.StatusDelivered, store.StatusFailed,
	store.StatusAttention, store.StatusInvalid, store.StatusDuplicate, store.StatusSkipped}

// Row is one line of the calls table.
type Row struct {
	ID       int64
	Time     string // received, local time
	Caller   string
	Operator string
	Duration string // m:ss
	Status   string
	Tone     Tone
	Attempts int
	Note     string // why it waits / failed
}

// Calls is the calls table with its filters.
type Calls struct {
	b   Backend
	now func() time.Time

	mu     sync.Mutex
	status string // "" = all
	period Period
	search string
	rows   []Row
}

// NewCalls returns the table model.
func NewCalls(b Backend, now func() time.Time) *Calls {
	if now == nil {
		now = time.Now
	}
	return &Calls{b: b, now: now}
}

// SetFilter changes the filters; call Refresh after.
func (c *Calls) SetFilter(status string, p Period, search string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.period, c.search = status, p, strings.TrimSpace(search)
}

// Filter returns the store filter for the current settings.
func (c *Calls) Filter() store.Filter {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := store.Filter{Search: c.search, Limit: 1000}
	if c.status != "" {
		f.Statuses = []string{c.status}
		if c.status == StatusWaiting {
			f.Statuses = []string{store.StatusQueued, store.StatusRetrying}
		}
	}
	now := c.now()
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	switch c.period {
	case PeriodToday:
		f.Since = today
	case PeriodWeek:
		f.Since = today.AddDate(0, 0, -6)
	}
	return f
}

// Refresh reloads the rows.
func (c *Calls) Refresh(ctx context.Context) error {
	list, err := c.b.Calls(ctx, c.Filter())
	if err != nil {
		return err
	}
	rows := make([]Row, len(list))
	for i, call := range list {
		rows[i] = RowOf(call)
	}
	c.mu.Lock()
	c.rows = rows
	c.mu.Unlock()
	return nil
}

// Rows returns the current rows.
func (c *Calls) Rows() []Row {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Row(nil), c.rows...)
}

// RowOf turns a call into a table row.
func RowOf(call store.Call) Row {
	note := call.Reason
	if note == "" && call.Status != store.StatusDelivered {
		note = call.LastError
	}
	return Row{
		ID: call.ID, Time: call.Received.Local().Format("02.01 15:04:05"), Caller: call.Caller,
		Operator: call.Operator, Duration: fmt.Sprintf("%d:%02d", call.Duration/60, call.Duration%60),
		Status: call.Status, Tone: StatusTone(call.Status), Attempts: call.Attempts, Note: note,
	}
}

// WriteCSV exports rows (semicolon-separated, as Russian Excel expects, with
// a UTF-8 BOM so Cyrillic opens correctly).
func WriteCSV(w io.Writer, rows []Row) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	_ = cw.Write([]string{"id", "received", "caller", "operator", "duration", "status", "attempts", "note"})
	for _, r := range rows {
		_ = cw.Write([]string{strconv.FormatInt(r.ID, 10), r.Time, r.Caller, r.Operator, r.Duration, r.Status,
			strconv.Itoa(r.Attempts), r.Note})
	}
	cw.Flush()
	return cw.Error()
}

// Details is what the details pane shows for one call.
type Details struct {
	Row      Row
	CallID   string
	Raw      string // pretty JSON of the Mango request as received
	Params   string // pretty JSON of the parsed parameters
	Request  string // pretty JSON of the mapped TQM request
	Attempts []AttemptLine
	Reason   string
	Unknown  bool // sent, outcome unknown
	// CanResend: the call can be put back in the queue.
	CanResend bool
}

// AttemptLine is one try in the timeline.
type AttemptLine struct {
	Time          string
	Outcome       string
	HTTPStatus    int
	Duration      string
	Response      string
	Error         string
	CorrelationID string
}

// LoadDetails reads one call.
func LoadDetails(ctx context.Context, b Backend, row int64) (Details, error) {
	call, atts, err := b.Call(ctx, row)
	if err != nil {
		return Details{}, err
	}
	d := Details{Row: RowOf(call), CallID: call.CallID, Raw: pretty(call.Raw), Params: pretty(call.Params),
		Request: prettyRequest(call.Request), Reason: call.Reason, Unknown: call.OutcomeUnknown,
		CanResend: call.Status != store.StatusDuplicate && call.Status != store.StatusInvalid && call.Status != store.StatusSending}
	for _, a := range atts {
		d.Attempts = append(d.Attempts, AttemptLine{Time: a.Started.Local().Format("02.01 15:04:05"),
			Outcome: a.Outcome, HTTPStatus: a.HTTPStatus, Duration: a.Duration.String(), Response: a.Response,
			Error: a.Error, CorrelationID: a.CorrelationID})
	}
	return d, nil
}

func pretty(s string) string {
	if s == "" {
		return ""
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return s
	}
	return string(b)
}

// prettyRequest shows the mapped request as name: value lines. It never
// holds secrets (the key travels only in a header).
func prettyRequest(s string) string {
	var r mapping.Result
	if err := json.Unmarshal([]byte(s), &r); err != nil || len(r.Fields) == 0 {
		return pretty(s)
	}
	var b strings.Builder
	for _, f := range r.Fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Health is the overall state shown by the tray icon.
type Health int

const (
	HealthGood      Health = iota // all well
	HealthAttention               // something needs a look (paused, calls need attention, tunnel connecting)
	HealthError                   // calls failed, tunnel offline, an open incident
)

// Header is the status header and the tray state.
type Header struct {
	TunnelState tunnel.State
	TunnelKey   string // i18n key of the tunnel problem, if any
	URL         string // calltracking webhook URL
	Endpoints   []core.Endpoint
	Paused      bool
	Counts      store.Counts
	Incidents   []store.Incident
	Health      Health
	Demo        bool
}

// LoadHeader reads the header state.
func LoadHeader(ctx context.Context, b Backend) (Header, error) {
	counts, err := b.Counts(ctx)
	if err != nil {
		return Header{}, err
	}
	inc, err := b.Incidents(ctx)
	if err != nil {
		return Header{}, err
	}
	ts := b.TunnelStatus()
	h := Header{TunnelState: ts.State, TunnelKey: ts.MessageKey, Endpoints: b.Endpoints(), Paused: b.Paused(),
		Counts: counts, Incidents: inc, Demo: b.Demo()}
	if len(h.Endpoints) > 0 {
		h.URL = h.Endpoints[0].URL
	}
	h.Health = HealthOf(h)
	return h, nil
}

// HealthOf decides the tray colour.
func HealthOf(h Header) Health {
	switch {
	case h.TunnelState == tunnel.Offline || h.Counts.Failed > 0 || len(h.Incidents) > 0:
		return HealthError
	case h.Paused || h.Counts.Attention > 0 || h.TunnelState == tunnel.Connecting:
		return HealthAttention
	}
	return HealthGood
}

// HealthKey is the i18n key of the tray tooltip.
func HealthKey(h Health) string {
	return [...]string{"ui.health.good", "ui.health.attention", "ui.health.error"}[h]
}

// Notifier decides which incidents deserve an OS notification: one per
// incident (by id), never one per call, and none while muted.
type Notifier struct {
	mu     sync.Mutex
	seen   map[int64]bool
	primed bool
	Muted  bool
}

// New returns the incidents to notify about now. The first call only
// remembers what is already open (no burst of old notifications at start).
func (n *Notifier) New(open []store.Incident) []store.Incident {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[int64]bool{}
	}
	var out []store.Incident
	for _, in := range open {
		if n.seen[in.ID] {
			continue
		}
		n.seen[in.ID] = true
		if n.primed && !n.Muted {
			out = append(out, in)
		}
	}
	n.primed = true
	return out
}
