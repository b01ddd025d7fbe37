package vm

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mangotqm/app/clock"
)

// Opener opens a folder or address with the OS (fyne.App.OpenURL in the app).
type Opener func(*url.URL) error

// ActionsBackend is what the buttons change (Deliveries) and where the
// data folder is (Place).
type ActionsBackend interface {
	Deliveries
	Place
}

// Actions are what the window's buttons and the tray menu do.
type Actions struct {
	B     ActionsBackend
	Open  Opener
	Clock clock.Clock // nil = the wall clock
}

func (a Actions) now() time.Time { return clock.Or(a.Clock).Now() }

// SinceLayout is how the "resend failed since" date is typed.
const SinceLayout = "02.01.2006 15:04"

// ErrBadDate: the typed date does not follow SinceLayout.
var ErrBadDate = errors.New("bad date")

// DefaultSince is the date the "resend failed since" form starts with.
func (a Actions) DefaultSince() string { return a.now().Add(-24 * time.Hour).Format(SinceLayout) }

// Resend puts one call back in the queue.
func (a Actions) Resend(ctx context.Context, row int64) error {
	if row <= 0 {
		return nil
	}
	if err := a.B.Resend(ctx, row); err != nil {
		return fmt.Errorf("resend call %d: %w", row, err)
	}
	return nil
}

// ParseSince reads a typed local date in either form (ParseDate; the
// form starts with SinceLayout); its error is a *DateError.
func (a Actions) ParseSince(since string) (time.Time, error) {
	now := a.now()
	t, _, err := ParseDate(since, now.Location())
	if err != nil {
		return time.Time{}, &DateError{Field: "since", Rule: DateFormat, Text: strings.TrimSpace(since)}
	}
	if t.After(now) {
		return time.Time{}, &DateError{Field: "since", Rule: DateFuture, Text: strings.TrimSpace(since)}
	}
	return t, nil
}

// ResendFailedSince re-queues failed calls received since the typed local
// time and returns how many.
func (a Actions) ResendFailedSince(ctx context.Context, since string) (int, error) {
	t, err := a.ParseSince(since)
	if err != nil {
		return 0, err
	}
	n, err := a.B.ResendFailedSince(ctx, t)
	if err != nil {
		return 0, fmt.Errorf("resend failed calls: %w", err)
	}
	return n, nil
}

// TogglePause pauses sending if it runs and resumes it if paused; it
// returns the new state. Receiving calls goes on either way.
func (a Actions) TogglePause(ctx context.Context) (paused bool, err error) {
	paused = !a.B.Paused()
	if err := a.B.SetPaused(ctx, paused); err != nil {
		return !paused, fmt.Errorf("pause sending: %w", err)
	}
	return paused, nil
}

// ExportName is the file name the save dialog proposes.
func (a Actions) ExportName() string { return "calls-" + a.now().Format("2006-01-02-150405") + ".csv" }

// ExportTo writes rows to the file the user chose (w, closed here).
func (a Actions) ExportTo(w io.WriteCloser, rows []Row, t Translate) error {
	err := WriteCSV(w, rows, t)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// ExportCSV writes rows to a new file in the data folder and returns its path.
func (a Actions) ExportCSV(rows []Row, t Translate) (string, error) {
	path := filepath.Join(a.B.DataDir(), "calls-"+a.now().Format("2006-01-02-150405")+".csv")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	err = WriteCSV(f, rows, t)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("export: %w", err)
	}
	return path, nil
}

// DataFolder is the data folder's absolute path (shown when the file
// manager cannot open it, for the user to open by hand).
func (a Actions) DataFolder() string {
	abs, err := filepath.Abs(a.B.DataDir())
	if err != nil {
		return a.B.DataDir()
	}
	return abs
}

// OpenDataFolder shows the data folder in the file manager.
func (a Actions) OpenDataFolder() error {
	abs, err := filepath.Abs(a.B.DataDir())
	if err != nil {
		return fmt.Errorf("open data folder: %w", err)
	}
	if a.Open == nil {
		return errors.New("open data folder: no opener")
	}
	if err := a.Open(&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}); err != nil {
		return fmt.Errorf("open data folder: %w", err)
	}
	return nil
}

// CSVColumns are the i18n keys of the CSV header.
var CSVColumns = []string{"ui.col.id", "ui.col.time", "ui.col.caller", "ui.col.operator", "ui.col.duration",
	"ui.col.status", "ui.col.attempts", "ui.col.note"}

// WriteCSV exports rows: semicolon-separated, as Excel expects in Russian
// locales, with a UTF-8 BOM so Cyrillic opens correctly; headers and
// statuses in the user's language (t nil: keys).
func WriteCSV(w io.Writer, rows []Row, t Translate) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	head := make([]string, len(CSVColumns))
	for i, k := range CSVColumns {
		head[i] = t.or(k)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{strconv.FormatInt(r.ID, 10), r.Time, r.Caller, r.Operator, r.Duration,
			t.or(StatusKey(r.Status)), strconv.Itoa(r.Attempts), r.Note}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
