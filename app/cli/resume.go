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
	fs := newFlags("resume", stderr)
	dir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	st, err := openStore(ctx, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.LoadPause(ctx)
	if err != nil {
		return err
	}
	if !p.Paused {
		fmt.Fprintln(stdout, "delivery is not paused; nothing to do")
		return nil
	}
	if err := st.SavePause(ctx, store.Pause{}); err != nil {
		return err
	}
	if _, err := st.ClearIncident(ctx, delivery.IncidentKeyRejected); err != nil {
		return err
	}
	why := "it was paused in the window"
	if p.Reason == store.PauseByKeyRejected {
		why = "TQM had rejected the access key; if the key is still wrong, the first call pauses it again"
	}
	fmt.Fprintf(stdout, "delivery resumed (%s); a running bridge sends again within seconds\n", why)
	return nil
}
