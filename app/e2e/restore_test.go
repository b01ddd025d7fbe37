package e2e

// A restore or salvage closes its gap: the real binary (serve, restore)
// against the strict fake Mango VPBX and the strict fake TQM. Calls the
// bridge stored after the backup are back after the restore, calls Mango
// had while the database was broken are fetched, and each reaches TQM
// exactly once.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mangotqm/app/clock/clocktest"
	"mangotqm/app/mango/vpbxfake"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/store"
)

// damageIndexPage overwrites the first index leaf page of the database
// with junk: the file fails its check (the bridge refuses it), while the
// calls' own rows stay readable.
func damageIndexPage(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	for p := 1; (p+1)*page <= len(b); p++ {
		if b[p*page] == 0x0a { // an index b-tree leaf
			for i := p * page; i < (p+1)*page; i++ {
				b[i] = 0xA5
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no index page to damage")
}

func restoreCmd(dir string, env map[string]string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, append([]string{"restore", "--data-dir", dir, "--secrets", "env", "--lang", "en"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func TestRestoreAndSalvageCloseTheGap(t *testing.T) {
	tests := []struct {
		name    string
		salvage bool
		cliKey  bool     // the restore command has the VPBX key (it fetches the gap itself)
		want    []string // in the restore command's output
	}{
		// The command fetches the gap: the calls while the database was
		// broken are new, the ones carried over from it are known.
		{name: "restore with the key", cliKey: true,
			want: []string{"restored from the backup", "Calls taken over from the replaced database", "may be missing",
				"Done: calls found 9, new 3 (not sent: 0), already known 6."}},
		{name: "salvage without the key", salvage: true,
			want: []string{"Data salvaged: calls saved: 6", "damaged database is kept as", "may be missing",
				"not set, so that period was not fetched", "mangotqm backfill --data-dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tqm := sandbox.New(tqmKey)
			defer tqm.Close()
			mango := vpbxfake.New(vpKey, vpSalt)
			defer mango.Close()
			now := time.Now()
			dir := t.TempDir()
			serveArgs := []string{"--vpbx-url", mango.URL(), "--rate", "20"}
			run := func(what string, n int) *proc {
				p := startServe(t, serveOpts{dataDir: dir, tqmURL: tqm.URL(), env: vpbxEnv(), extra: serveArgs})
				clocktest.Within(t, 90*time.Second, what, func() bool { return len(tqm.Accepted()) >= n })
				clocktest.Within(t, 30*time.Second, what+" recorded", func() bool {
					for _, c := range listCalls(t, dir) {
						if c.Status != "delivered" {
							return false
						}
					}
					return true
				})
				return p
			}

			// Calls before the backup, delivered.
			before, _ := mangoCalls(t, mango, "BEFORE", 3, now.Add(-55*time.Minute), now.Add(-50*time.Minute))
			p := run("the calls before the backup at TQM", 3)
			p.stop(t)
			st, err := store.Open(context.Background(), dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			backup, err := st.Backup(context.Background(), store.BackupDir(dir))
			_ = st.Close()
			if err != nil {
				t.Fatal(err)
			}

			// Calls after the backup, stored and delivered by the bridge.
			after, _ := mangoCalls(t, mango, "AFTER", 3, now.Add(-45*time.Minute), now.Add(-40*time.Minute))
			p = run("the calls after the backup at TQM", 6)
			p.stop(t)

			// Calls while the database is broken: only Mango has them.
			damageIndexPage(t, filepath.Join(dir, store.FileName))
			broken, _ := mangoCalls(t, mango, "BROKEN", 3, now.Add(-35*time.Minute), now.Add(-30*time.Minute))
			refused := exec.Command(binary, "calls", "--data-dir", dir)
			if out, err := refused.CombinedOutput(); err == nil || !strings.Contains(string(out), "--salvage") {
				t.Fatalf("the damaged database was not refused with the salvage named: %v\n%s", err, out)
			}

			env := secretsEnv()
			if tt.cliKey {
				env = vpbxEnv()
			}
			args := []string{"--from", backup, "--vpbx-url", mango.URL()}
			if tt.salvage {
				args = []string{"--salvage", "--vpbx-url", mango.URL()}
			}
			out, err := restoreCmd(dir, env, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("mangotqm restore: %v\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("restore output lacks %q:\n%s", w, out)
				}
			}

			p = run("every call at TQM after the restore", 9)
			if !tt.cliKey {
				clocktest.Within(t, 60*time.Second, "the bridge to fetch the gap itself", func() bool {
					return strings.Contains(p.stderr.String(), "the period after the restore is complete")
				})
			}
			p.stop(t)
			stored := map[string]int{}
			for _, c := range listCalls(t, dir) {
				stored[c.CallID]++
			}
			for _, group := range [][]string{before, after, broken} {
				for _, id := range group {
					if n := tqm.CountByID(id); n != 1 {
						t.Errorf("call %s reached TQM %d times, want once", id, n)
					}
					if stored[id] != 1 {
						t.Errorf("call %s is stored %d times, want once", id, stored[id])
					}
				}
			}
			if len(tqm.Accepted()) != 9 {
				t.Errorf("TQM accepted %d imports, want 9", len(tqm.Accepted()))
			}
		})
	}
}
