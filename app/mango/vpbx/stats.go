package vpbx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"mangotqm/app/calls"
)

// StatsFields is the field list (and CSV column order) the client asks for
// in stats/request: Mango's defaults plus entry_id first.
var statsFields = []string{
	"entry_id", "records", "start", "finish", "answer",
	"from_extension", "from_number", "to_extension", "to_number",
	"disconnect_reason", "line_number", "location",
}

// StatsFields returns the fields requested by StatsRequest, in CSV order.
func StatsFields() []string { return append([]string(nil), statsFields...) }

// MaxStatsRange is the longest period one stats/request may cover (Mango:
// "not more than a month"; kept under 30 days to be safe).
const MaxStatsRange = 30*24*time.Hour - time.Second

// ErrStatsTimeout: FindRecordings gave up polling stats/result.
var ErrStatsTimeout = errors.New("vpbx: statistics not ready in time")

// StatsFilter narrows stats/request. Mango matches call_party against
// either side of the call; the number format Mango expects is not
// documented, so FindRecordings filters locally instead.
type StatsFilter struct {
	CallPartyNumber    string
	CallPartyExtension string
}

// StatsRow is one call of the basic statistics. Times are decoded with the
// client's Epoch; a zero Answer means nobody answered.
type StatsRow struct {
	EntryID          string
	Records          []string // recording ids, possibly empty
	Start            time.Time
	Finish           time.Time
	Answer           time.Time
	FromExtension    string
	FromNumber       string
	ToExtension      string
	ToNumber         string
	DisconnectReason int
	LineNumber       string
	Location         string
	// Fields holds every column by field name, as received.
	Fields map[string]string
}

type party struct {
	Extension string `json:"extension,omitempty"`
	Number    string `json:"number,omitempty"`
}

type statsRequest struct {
	DateFrom  string `json:"date_from"`
	DateTo    string `json:"date_to"`
	Fields    string `json:"fields"`
	CallParty *party `json:"call_party,omitempty"`
}

// StatsRequest starts building the basic statistics for calls between from
// and to (stats/request) and returns the key for StatsResult.
func (c *Client) StatsRequest(ctx context.Context, from, to time.Time, filter StatsFilter) (string, error) {
	if !to.After(from) {
		return "", fmt.Errorf("vpbx: stats/request: empty period %s..%s", from, to)
	}
	if to.Sub(from) > MaxStatsRange {
		return "", fmt.Errorf("vpbx: stats/request: period %s longer than %s", to.Sub(from), MaxStatsRange)
	}
	req := statsRequest{
		DateFrom: strconv.FormatInt(c.Epoch.Unix(from), 10),
		DateTo:   strconv.FormatInt(c.Epoch.Unix(to), 10),
		Fields:   strings.Join(statsFields, ","),
	}
	if filter.CallPartyNumber != "" || filter.CallPartyExtension != "" {
		req.CallParty = &party{Extension: filter.CallPartyExtension, Number: filter.CallPartyNumber}
	}
	a, err := c.post(ctx, "stats/request", req)
	if err != nil {
		return "", err
	}
	if a.status != http.StatusOK {
		return "", &APIError{Path: "stats/request", HTTPStatus: a.status, Message: snippet(a.body)}
	}
	var r struct {
		Key flexString `json:"key"`
	}
	if err := jsonUnmarshal(a.body, &r); err != nil || r.Key == "" {
		return "", &APIError{Path: "stats/request", HTTPStatus: a.status, Message: "answer has no key"}
	}
	return string(r.Key), nil
}

// StatsResult fetches the statistics for key (stats/result). ready is false
// while Mango is still building them (HTTP 204); poll no more often than
// every 5 s. An unknown or expired key gives ErrStatsKeyExpired.
func (c *Client) StatsResult(ctx context.Context, key string) (rows []StatsRow, ready bool, err error) {
	a, err := c.post(ctx, "stats/result", map[string]string{"key": key})
	if err != nil {
		return nil, false, err
	}
	switch a.status {
	case http.StatusNoContent:
		return nil, false, nil
	case http.StatusNotFound:
		return nil, false, fmt.Errorf("%w (key %s)", ErrStatsKeyExpired, key)
	case http.StatusOK:
		return ParseStatsCSV(a.body, statsFields, c.Epoch), true, nil
	}
	return nil, false, &APIError{Path: "stats/result", HTTPStatus: a.status, Message: snippet(a.body)}
}

// ParseStatsCSV parses a stats/result body: rows separated by "\n" or
// "\r\n", fields by ';', no quoting; columns in the order of fields. Short
// rows are tolerated; blank lines are skipped.
func ParseStatsCSV(body []byte, fields []string, epoch Epoch) []StatsRow {
	var rows []StatsRow
	for _, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		cols := strings.Split(string(line), ";")
		r := StatsRow{Fields: make(map[string]string, len(fields))}
		for i, f := range fields {
			if i < len(cols) {
				r.Fields[f] = strings.TrimSpace(cols[i])
			}
		}
		get := func(k string) string { return r.Fields[k] }
		num := func(k string) int64 {
			n, _ := strconv.ParseInt(get(k), 10, 64)
			return n
		}
		r.EntryID = get("entry_id")
		r.Records = parseRecords(get("records"))
		r.Start = epoch.Time(num("start"))
		r.Finish = epoch.Time(num("finish"))
		r.Answer = epoch.Time(num("answer"))
		r.FromExtension = get("from_extension")
		r.FromNumber = get("from_number")
		r.ToExtension = get("to_extension")
		r.ToNumber = get("to_number")
		r.DisconnectReason = int(num("disconnect_reason"))
		r.LineNumber = get("line_number")
		r.Location = get("location")
		rows = append(rows, r)
	}
	return rows
}

// parseRecords splits "[rec1,rec2]" (brackets optional) into ids.
func parseRecords(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.Trim(strings.TrimSpace(p), `"'`)
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Recording is one recording of a call found in the statistics.
type Recording struct {
	ID         string
	EntryID    string
	CallStart  time.Time
	CallFinish time.Time
	Answered   bool
	FromNumber string
	ToNumber   string
	ToExt      string
}

// FindRecordings looks up the recordings of the call with callerNumber that
// ran between start and end: it starts the basic statistics for that window
// widened by MatchMargin, polls the result every PollInterval (first poll
// after one interval) up to PollTimeout, and returns the recordings of
// calls whose from_number or to_number equals callerNumber (calls.NormalizeNumber)
// and whose [start, finish] overlaps the widened window, ordered by call
// start. No match gives an empty slice and no error.
func (c *Client) FindRecordings(ctx context.Context, callerNumber string, start, end time.Time) ([]Recording, error) {
	want := calls.NormalizeNumber(callerNumber)
	if want == "" {
		return nil, fmt.Errorf("vpbx: find recordings: caller number %q has no digits", callerNumber)
	}
	if end.Before(start) {
		start, end = end, start
	}
	margin := c.MatchMargin
	if margin <= 0 {
		margin = 2 * time.Minute
	}
	from, to := start.Add(-margin), end.Add(margin)
	key, err := c.StatsRequest(ctx, from, to, StatsFilter{})
	if err != nil {
		return nil, fmt.Errorf("vpbx: find recordings: %w", err)
	}
	interval := c.PollInterval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	limit := c.PollTimeout
	if limit <= 0 {
		limit = 2 * time.Minute
	}
	deadline := c.now().Add(limit)
	for {
		if err := c.clock().Sleep(ctx, interval); err != nil {
			return nil, err
		}
		rows, ready, err := c.StatsResult(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("vpbx: find recordings: %w", err)
		}
		if ready {
			return matchRecordings(rows, want, from, to), nil
		}
		if c.now().After(deadline) {
			return nil, fmt.Errorf("vpbx: find recordings: %w after %s", ErrStatsTimeout, limit)
		}
	}
}

func matchRecordings(rows []StatsRow, want string, from, to time.Time) []Recording {
	out := []Recording{}
	for _, r := range rows {
		if calls.NormalizeNumber(r.FromNumber) != want && calls.NormalizeNumber(r.ToNumber) != want {
			continue
		}
		fin := r.Finish
		if fin.IsZero() {
			fin = r.Start
		}
		if r.Start.After(to) || fin.Before(from) {
			continue
		}
		for _, id := range r.Records {
			out = append(out, Recording{
				ID: id, EntryID: r.EntryID, CallStart: r.Start, CallFinish: r.Finish,
				Answered: !r.Answer.IsZero(), FromNumber: r.FromNumber, ToNumber: r.ToNumber, ToExt: r.ToExtension,
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CallStart.Before(out[j].CallStart) })
	return out
}

// snippet is a short, single-line piece of an answer body for errors.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
