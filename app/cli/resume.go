package cli

import (
	"context"
	"fmt"
	"io"

	"mangotqm/app/delivery"
	"mangotqm/store"
)

// Resume is "mangotqm resume [--data-dir DIR]": it clears the saved
// delivery pause (a key TQM rejected, or a pause from the window) and the
// "key rejected" incident. A running bridge notices within seconds
// (delivery.Config.PauseCheckEvery) and sends again; a stopped one sends at
// its next start.
func Resume(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l := tr(langOf(args))
	fs := newFlags("resume", stderr)
	dir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	langFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return l.usage("cli.err.unexpected_arg", map[string]any{"Arg": fs.Arg(0)})
	}
	st, err := openStore(ctx, l, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.LoadPause(ctx)
	if err != nil {
		return err
	}
	if !p.Paused {
		fmt.Fprintln(stdout, l.T("cli.resume.not_paused", nil))
		return nil
	}
	if err := st.SavePause(ctx, store.Pause{}); err != nil {
		return err
	}
	if _, err := st.ClearIncident(ctx, delivery.IncidentKeyRejected); err != nil {
		return err
	}
	why := l.T("cli.resume.why_window", nil)
	if p.Reason == store.PauseByKeyRejected {
		why = l.T("cli.resume.why_key", nil)
	}
	fmt.Fprintln(stdout, l.T("cli.resume.done", map[string]any{"Why": why}))
	return nil
}
