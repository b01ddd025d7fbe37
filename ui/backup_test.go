package ui

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
)

// Settings → backups: «Сделать копию сейчас» writes a copy; restoring it
// brings the database back to that moment and the bridge runs on.
func TestBackupAndRestoreFromTheWindow(t *testing.T) {
	ctx := context.Background()
	tqm := sandbox.New("backup-test-key-0123456789")
	defer tqm.Close()
	u := newTestUI(t, nil)
	u.dataDir, u.open = t.TempDir(), loopbackOpener(u)
	if err := u.keychain.Set(ctx, secrets.TQMKey, "backup-test-key-0123456789"); err != nil {
		t.Fatal(err)
	}
	b, err := u.openBridge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := b.Config()
	cfg.TQMURL = tqm.URL()
	if err := b.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	u.bridge = b
	u.startBridge()
	t.Cleanup(func() { _ = u.bridge.Close(context.Background()) })
	eventually(t, "the receiver is up", func() bool { return len(u.bridge.Endpoints()) > 0 })
	webhook := func(id string) {
		t.Helper()
		end := time.Now().Add(-time.Minute).UTC()
		resp, err := http.Get(u.bridge.Endpoints()[0].URL + "?callId=" + id + "&dateStart=" +
			end.Add(-time.Minute).Format("2006-01-02T15:04:05Z") + "&dateEnd=" + end.Format("2006-01-02T15:04:05Z"))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("webhook %s: %v %v", id, resp, err)
		}
		resp.Body.Close()
	}
	total := func() int {
		n, err := u.bridge.Counts(ctx)
		if err != nil {
			return -1
		}
		return n.Total
	}
	webhook("BK-1")

	// The daily backup is written when the bridge starts; wait for it so
	// the counts below are not raced by it.
	eventually(t, "the start-up backup", func() bool { return len(u.bridge.Backups()) >= 1 })
	w := test.NewTempWindow(t, widget.NewLabel(""))
	sec := u.backupSection(w).(*fyneBox)
	state := sec.Objects[1].(*widget.Label)
	before := u.bridge.Backups() // the daily one, made at start
	if want := u.backupSummary(before); state.Text != want {
		t.Fatalf("the section shows %q, want %q", state.Text, want)
	}
	now := sec.Objects[2].(*fyneBox).Objects[0].(*widget.Button)
	test.Tap(now)
	eventually(t, "the backup is written", func() bool { u.flush(); return len(u.bridge.Backups()) == len(before)+1 })
	eventually(t, "the summary counts it", func() bool {
		u.flush()
		return state.Text == u.backupSummary(u.bridge.Backups())
	})

	webhook("BK-2")
	if n := total(); n != 2 {
		t.Fatalf("%d calls before the restore, want 2", n)
	}
	old := u.bridge
	u.restoreBackup(w, u.bridge.Backups()[0])
	eventually(t, "a new bridge runs on the restored database", func() bool { u.flush(); return u.bridge != old })
	// The copy had one call; the one stored after it is carried over from
	// the replaced database, which could still be read.
	if n := total(); n != 2 {
		t.Fatalf("%d calls after restoring the copy made with one (and one after it), want 2", n)
	}
	// The window names the period that may be missing (no VPBX key here).
	eventually(t, "the period after the backup is named", func() bool {
		u.flush()
		top := u.main.w.Canvas().Overlays().Top()
		return top != nil && strings.Contains(shownText(top), "могли не попасть в базу")
	})
	entries, _ := os.ReadDir(u.dataDir)
	kept := false
	for _, e := range entries {
		kept = kept || strings.HasPrefix(e.Name(), "mangotqm-replaced-")
	}
	if !kept {
		t.Fatal("the database the restore replaced was not kept")
	}
	eventually(t, "the restored bridge receives again", func() bool { return len(u.bridge.Endpoints()) > 0 })
	webhook("BK-3")
	eventually(t, "the call after the restore is stored", func() bool { return total() == 3 })
}

// fyneBox is what container.NewVBox and NewHBox return.
type fyneBox = fyne.Container
