package vm

import (
	"context"
	"fmt"
	"mangotqm/app/calls"
	"strings"
	"sync"
	"time"
)

// Period filters calls by when they were received.
type Period int

const (
	PeriodAll Period = iota
	PeriodToday
	PeriodWeek
)

// PeriodKeys are the i18n keys of the period choices, in Period order.
var PeriodKeys = []string{"ui.period.all", "ui.period.today", "ui.period.week"}

// StatusWaiting is the filter choice for queued and retrying calls.
const StatusWaiting calls.Status = "waiting"

// FilterStatuses are the status filter's choices ("" = all), in order.
var FilterStatuses = []calls.Status{"", StatusWaiting, calls.StatusSending, calls.StatusDelivered, calls.StatusFailed,
	calls.StatusAttention, calls.StatusInvalid, calls.StatusDuplicate, calls.StatusSkipped}

// Row is one line of the calls table.
type Row struct {
	ID       int64
	Time     string // received, local time
	Caller   string
	Operator string
	Duration string // m:ss
	Status   calls.Status
	Tone     Tone
	Attempts int
	Note     string // why it waits / failed
	Source   calls.Source
}

// Calls is the calls table with its filters. Safe for concurrent use.
type Calls struct {
	b   Backend
	now func() time.Time

	mu     sync.Mutex
	status calls.Status // "" = all
	period Period
	search string
	rows   []Row
}

// NewCalls returns the table model; now nil = time.Now.
func NewCalls(b Backend, now func() time.Time) *Calls {
	if now == nil {
		now = time.Now
	}
	return &Calls{b: b, now: now}
}

// SetFilter changes the filters; call Refresh after.
func (c *Calls) SetFilter(status calls.Status, p Period, search string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.period, c.search = status, p, strings.TrimSpace(search)
}

// Filter returns the store filter for the current settings.
func (c *Calls) Filter() calls.Filter {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := calls.Filter{Search: c.search, Limit: 1000}
	switch c.status {
	case "":
	case StatusWaiting:
		f.Statuses = []calls.Status{calls.StatusQueued, calls.StatusRetrying}
	default:
		f.Statuses = []calls.Status{c.status}
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
		return fmt.Errorf("load calls: %w", err)
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
func RowOf(call calls.Call) Row {
	note := call.Reason
	if note == "" && call.Status != calls.StatusDelivered {
		note = call.LastError
	}
	return Row{
		ID: call.ID, Time: call.Received.Local().Format("02.01 15:04:05"), Caller: call.Caller,
		Operator: call.Operator, Duration: fmt.Sprintf("%d:%02d", call.Duration/60, call.Duration%60),
		Status: call.Status, Tone: StatusTone(call.Status), Attempts: call.Attempts, Note: note, Source: call.Source,
	}
}
