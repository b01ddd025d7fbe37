package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"mangotqm/app/config"
	"mangotqm/store"
)

// Restore is "mangotqm restore --from FILE [--data-dir DIR]": it puts a
// backup (store.BackupDir holds the daily ones) in place of the database.
// It refuses while a bridge or another mangotqm command has the database
// open (store.ErrInUse). The database it replaces is kept next to it.
func Restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	dir := fs.String("data-dir", "", "data directory (default: the per-user data directory)")
	from := fs.String("from", "", "the backup to restore (a file in DATA-DIR/"+store.BackupDirName+")")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 {
		return usageError{errors.New("give the backup to restore: mangotqm restore --from FILE [--data-dir DIR]")}
	}
	if *dir == "" {
		d, err := config.DefaultDataDir()
		if err != nil {
			return err
		}
		*dir = d
	}
	replaced, err := store.Restore(ctx, *dir, *from)
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return fmt.Errorf("%w (stop mangotqm first: quit the desktop app or stop the serve service)", err)
		}
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", *from, *dir)
	if replaced != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", replaced)
	}
	return nil
}
