package vm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
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

// StatusWaiting selects queued and retrying calls together (the header's
// «В очереди» count); the filter lists the table's own words instead.
const StatusWaiting calls.Status = "waiting"

// StatusSkippedByRule selects the calls an import rule kept from TQM
// («Пропущен по правилу»).
const StatusSkippedByRule calls.Status = "skipped_rule"

// FilterStatuses are the status filter's choices ("" = all), in order: the
// same statuses, with the same words, as the table's status column.
var FilterStatuses = []calls.Status{"", calls.StatusQueued, calls.StatusRetrying, calls.StatusSending,
	calls.StatusDelivered, calls.StatusFailed, calls.StatusAttention, calls.StatusInvalid, calls.StatusDuplicate,
	calls.StatusSkipped, StatusSkippedByRule}

// PageSize is how many more calls «Показать ещё» shows.
const PageSize = 200

// Row is one line of the calls table.
type Row struct {
	ID       int64
	Time     string // received, local time
	Caller   string
	Operator string
	Duration string // m:ss
	Status   calls.Status
	Tone     Tone
	Attempts int    // tries listed in the details (every stored attempt)
	Note     string // why it waits / failed / was not sent, in the user's language
	Source   calls.Source
}

// Calls is the calls table with its filters. Safe for concurrent use.
type Calls struct {
	b     CallLog // an EmployeeNamer too shows names beside extensions
	clock clock.Clock
	t     TranslateData

	mu     sync.Mutex
	status calls.Status // "" = all
	period Period
	search string
	pages  int // pages of PageSize shown (1 + «Показать ещё» presses)
	rows   []Row
	more   bool // older calls exist beyond the rows
}

// NewCalls returns the table model; c tells it today (nil = the wall
// clock); t renders the rows' reasons (nil: English).
func NewCalls(b CallLog, c clock.Clock, t TranslateData) *Calls {
	return &Calls{b: b, clock: clock.Or(c), t: t, pages: 1}
}

// SetFilter changes the filters and goes back to the first page; call
// Refresh after.
func (c *Calls) SetFilter(status calls.Status, p Period, search string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.period, c.search = status, p, strings.TrimSpace(search)
	c.pages = 1
}

// ShowMore adds one page of older calls; call Refresh after.
func (c *Calls) ShowMore() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages++
}

// HasMore reports whether older calls exist beyond the rows shown.
func (c *Calls) HasMore() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.more
}

// shown is how many rows the table shows at most.
func (c *Calls) shown() int { return c.pages * PageSize }

// Filter returns the store filter for the current settings.
func (c *Calls) Filter() calls.Filter {
	c.mu.Lock()
	defer c.mu.Unlock()
	// One more than shown tells whether «Показать ещё» has anything to show.
	f := calls.Filter{Search: c.search, Limit: c.shown() + 1}
	switch c.status {
	case "":
	case StatusWaiting:
		f.Statuses = []calls.Status{calls.StatusQueued, calls.StatusRetrying}
	case StatusSkippedByRule:
		f.ByRule = true
	default:
		f.Statuses = []calls.Status{c.status}
	}
	now := c.clock.Now()
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
	f := c.Filter()
	list, err := c.b.Calls(ctx, f)
	if err != nil {
		return fmt.Errorf("load calls: %w", err)
	}
	more := len(list) >= f.Limit
	if more {
		list = list[:f.Limit-1]
	}
	ids := make([]int64, len(list))
	for i, call := range list {
		ids[i] = call.ID
	}
	// The table counts the tries the details list: every stored attempt,
	// also those before a resend and those that did not count towards
	// the retry schedule.
	tries, err := c.b.AttemptCounts(ctx, ids)
	if err != nil {
		return fmt.Errorf("load attempt counts: %w", err)
	}
	var names map[string]string
	if en, ok := c.b.(EmployeeNamer); ok {
		names = en.EmployeeNames(ctx)
	}
	rows := make([]Row, len(list))
	for i, call := range list {
		rows[i] = RowOf(call, c.t)
		rows[i].Operator = WithEmployeeName(rows[i].Operator, names)
		if n, ok := tries[call.ID]; ok {
			rows[i].Attempts = n
		}
	}
	c.mu.Lock()
	c.rows, c.more = rows, more
	c.mu.Unlock()
	return nil
}

// IndexOf returns the position of call row id among rows (-1 if absent):
// the selection follows the call, not the position, when new calls arrive.
func IndexOf(rows []Row, id int64) int {
	for i, r := range rows {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// Rows returns the current rows.
func (c *Calls) Rows() []Row {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Row(nil), c.rows...)
}

// RowOf turns a call into a table row; t renders its reason (nil: English).
func RowOf(call calls.Call, t TranslateData) Row {
	why := orText(call.ReasonCoded, call.Reason)
	if why.IsZero() && call.Status != calls.StatusDelivered {
		why = orText(call.LastErrorCoded, call.LastError)
	}
	note := ReasonText(why, t)
	status := call.Status
	if status == calls.StatusSkipped && calls.IsRule(call.ReasonCoded.Code) {
		status = StatusSkippedByRule // a choice of the office, not a problem
	}
	return Row{
		ID: call.ID, Time: call.Received.Local().Format("02.01 15:04:05"), Caller: FormatPhone(call.Caller),
		Operator: call.Operator, Duration: FormatCallLength(CallSeconds(call)),
		Status: status, Tone: StatusTone(status), Attempts: call.Attempts, Note: note, Source: call.Source,
	}
}
