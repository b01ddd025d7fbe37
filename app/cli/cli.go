// Package cli is mangotqm's command-line front end: serve (the bridge
// without a window), calls (list what is stored) and resend.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/config"
	"mangotqm/store"
)

// Version is set at build time (-ldflags "-X mangotqm/app/cli.Version=…").
var Version = "0.1.0-dev"

// IsCommand reports whether args start with a command-line subcommand (as
// opposed to the desktop app and its flags).
func IsCommand(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "serve", "calls", "resend", "resume", "restore", "sync-operators", "backfill", "help", "-h", "--help", "-help", "version", "--version":
		return true
	}
	return false
}

// Usage is the command line's help text in English (UsageText gives it in
// a language).
const Usage = `mangotqm — Mango Office → T-Bank TQM bridge

Usage:
  mangotqm                      start the desktop app
  mangotqm serve [flags]        run the bridge without a window
  mangotqm calls [flags]        list stored calls
  mangotqm resend [flags] ID    send a call again
  mangotqm resend [flags] --failed-since 2026-11-01
  mangotqm resume [flags]       resume sending to TQM (after a pause or a rejected key)
  mangotqm restore --from FILE  bring back a backup of the database (no bridge may run)
  mangotqm restore --salvage    copy what a damaged database still holds into a new one
  mangotqm sync-operators       copy Mango's employees into TQM as operators
  mangotqm backfill --from T [--to T]  load a past period's calls from Mango's statistics

Run "mangotqm COMMAND -h" for a command's flags.
`

// UsageText is the command line's help text in lang.
func UsageText(lang string) string { return tr(lang).T("cli.usage", nil) }

// Main runs a subcommand and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	lang := langOf(args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "calls":
		err = listCalls(ctx, args[1:], stdout, stderr)
	case "resend":
		err = resend(ctx, args[1:], stdout, stderr)
	case "sync-operators":
		err = syncOperators(ctx, args[1:], stdout, stderr)
	case "backfill":
		err = backfill(ctx, args[1:], stdout, stderr)
	case "resume":
		err = Resume(ctx, args[1:], stdout, stderr)
	case "restore":
		err = Restore(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "mangotqm", Version)
	default:
		fmt.Fprint(stdout, UsageText(lang))
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "mangotqm:", ErrorText(lang, err))
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

type usageError struct{ error }

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mangotqm "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	localizeFlags(fs, tr(langOf(args)), fs.Output())
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

// openStore opens the database of an existing data folder. Commands other
// than serve never create one: a folder without a database is an error
// that says so.
func openStore(ctx context.Context, l tr, dir string) (*store.Store, error) {
	if dir == "" {
		d, err := config.DefaultDataDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		return nil, fmt.Errorf("%s: %w", l.T("cli.err.no_database", map[string]any{"Dir": dir}), err)
	}
	return store.Open(ctx, dir, store.Options{MustExist: true})
}

// callJSON is the --json shape of a call.
type callJSON struct {
	ID             int64           `json:"id"`
	Source         string          `json:"source"`
	CallID         string          `json:"callId,omitempty"`
	Status         string          `json:"status"`
	Reason         string          `json:"reason,omitempty"`
	Received       time.Time       `json:"receivedAt"`
	Caller         string          `json:"caller,omitempty"`
	Operator       string          `json:"operator,omitempty"`
	Attempts       int             `json:"attempts"`
	LastError      string          `json:"lastError,omitempty"`
	CorrelationID  string          `json:"correlationId,omitempty"`
	OutcomeUnknown bool            `json:"outcomeUnknown,omitempty"`
	DuplicateOf    int64           `json:"duplicateOf,omitempty"`
	TQMID          string          `json:"tqmId,omitempty"`
	Delivered      *time.Time      `json:"deliveredAt,omitempty"`
	NextAttempt    *time.Time      `json:"nextAttemptAt,omitempty"`
	Params         json.RawMessage `json:"params,omitempty"`
}

func listCalls(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l := tr(langOf(args))
	fs := newFlags("calls", stderr)
	dir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	status := fs.String("status", "", "only calls with this status ("+statusNames()+"); comma-separated")
	asJSON := fs.Bool("json", false, "print JSON (one array)")
	limit := fs.Int("limit", 1000, "at most this many calls, newest first")
	langFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	f := calls.Filter{Limit: *limit}
	if *status != "" {
		for _, s := range strings.Split(*status, ",") {
			st, err := calls.ParseStatus(strings.TrimSpace(s))
			if err != nil {
				return usageError{fmt.Errorf("%w (%s)", err, l.T("cli.err.known_statuses", map[string]any{"Statuses": statusNames()}))}
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	st, err := openStore(ctx, l, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.List(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]callJSON, 0, len(list))
		for _, c := range list {
			j := callJSON{ID: c.ID, Source: string(c.Source), CallID: c.CallID, Status: string(c.Status), Reason: c.Reason,
				Received: c.Received, Caller: c.Caller, Operator: c.Operator, Attempts: c.Attempts,
				LastError: c.LastError, CorrelationID: c.CorrelationID, OutcomeUnknown: c.OutcomeUnknown,
				DuplicateOf: c.DuplicateOf, TQMID: c.TQMID, Params: json.RawMessage(c.Params)}
			if !c.Delivered.IsZero() {
				d := c.Delivered
				j.Delivered = &d
			}
			if c.Status.Waiting() && !c.NextAttempt.IsZero() {
				n := c.NextAttempt
				j.NextAttempt = &n
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tSOURCE\tSTATUS\tCALL ID\tCALLER\tTRIES\tNOTE")
	for _, c := range list {
		note := c.Reason
		if note == "" {
			note = c.LastError
		}
		if c.Status.Waiting() && !c.NextAttempt.IsZero() {
			note = "next try " + c.NextAttempt.Local().Format("2006-01-02 15:04:05") + "; " + note
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", c.ID, c.Received.Format("2006-01-02 15:04:05"),
			c.Source, c.Status, c.CallID, c.Caller, c.Attempts, oneLine(note, 80))
	}
	return tw.Flush()
}

func statusNames() string {
	names := make([]string, len(calls.Statuses))
	for i, s := range calls.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func resend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l := tr(langOf(args))
	fs := newFlags("resend", stderr)
	dir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	since := fs.String("failed-since", "", "re-queue every failed or needs-attention call received since this time: "+calls.TimeForms)
	langFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*since == "") == (fs.NArg() == 0) {
		return l.usage("cli.resend.need_one", nil)
	}
	var sinceT time.Time
	var id int64
	var err error
	if *since != "" {
		if sinceT, err = calls.ParseTime(*since); err != nil {
			return usageError{fmt.Errorf("--failed-since: %w", err)}
		}
	} else if id, err = strconv.ParseInt(fs.Arg(0), 10, 64); err != nil {
		return l.usage("cli.resend.bad_id", map[string]any{"ID": fs.Arg(0)})
	}
	st, err := openStore(ctx, l, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	if *since != "" {
		n, err := st.ResendFailedSince(ctx, sinceT)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, l.T("cli.resend.requeued_n", map[string]any{"N": n}))
		return nil
	}
	if err := st.Resend(ctx, id); err != nil {
		return err
	}
	fmt.Fprintln(stdout, l.T("cli.resend.requeued_one", map[string]any{"ID": id}))
	return nil
}
