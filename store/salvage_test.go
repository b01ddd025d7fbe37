package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock"
)

// tickingClock advances a second at every reading (updated_at differs
// between a backup and later writes).
func tickingClock(start time.Time) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Second) }
}

// fillCalls stores calls with ids prefix0000..; each raw holds its marker
// "<prefix>NNNN." and padding so that a page holds a few calls only.
func fillMarked(t *testing.T, st *Store, prefix string, from, n int) []int64 {
	t.Helper()
	var rows []int64
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("%s%04d", prefix, i)
		raw := `{"method":"POST","contentType":"application/json","body":"{\"callId\":\"` + id + `.\",\"pad\":\"` +
			strings.Repeat("x", 900) + `\"}"}`
		in, err := st.Intake(context.Background(), NewCall{Source: "calltracking", CallID: id, Raw: raw,
			Params: `{"callId":"` + id + `"}`, Started: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, in.ID)
	}
	return rows
}

// damagePages overwrites the n-th and later table-leaf pages of the file
// that hold call markers with prefix (n pages in all) and returns the call
// ids that lived there.
func damagePages(t *testing.T, path, prefix string, skip, n int) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[0-9]{4}\.`)
	gone := map[string]bool{}
	for p := 1; p*page < len(b) && n > 0; p++ {
		pg := b[p*page : (p+1)*page]
		if pg[0] != 0x0d { // a table b-tree leaf
			continue
		}
		ids := re.FindAll(pg, -1)
		if len(ids) == 0 {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		for _, id := range ids {
			gone[strings.TrimSuffix(string(id), ".")] = true
		}
		copy(pg, bytes.Repeat([]byte{0xA5}, page))
		n--
	}
	if n > 0 || len(gone) == 0 {
		t.Fatalf("found too few pages with %s calls to damage", prefix)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return gone
}

func callIDs(t *testing.T, st *Store) map[string]calls.Status {
	t.Helper()
	rows, err := st.r.Query(`SELECT call_id, status FROM calls`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]calls.Status{}
	for rows.Next() {
		var id string
		var s calls.Status
		if err := rows.Scan(&id, &s); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	return out
}

func TestSalvageSavesTheReadableCalls(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		damage  int // leaf pages to damage
		skip    int // leaf pages with calls left before the damaged ones
		backup  bool
		wantAll bool
	}{
		{name: "sound file", damage: 0, wantAll: true},
		{name: "one damaged page", damage: 1, skip: 5},
		{name: "three damaged pages", damage: 3, skip: 5},
		{name: "the first page damaged, a backup has it", damage: 1, backup: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			const total = 120
			fillMarked(t, st, "S", 0, total)
			if err := st.SetSetting(ctx, "test.kept", "yes"); err != nil {
				t.Fatal(err)
			}
			var backupAt time.Time
			if tt.backup {
				b, err := st.Backup(ctx, BackupDir(dir))
				if err != nil {
					t.Fatal(err)
				}
				backupAt = backupTime(b)
			}
			_ = st.Close()
			path := filepath.Join(dir, FileName)
			gone := map[string]bool{}
			if tt.damage > 0 {
				gone = damagePages(t, path, "S", tt.skip, tt.damage)
				if _, err := Open(ctx, dir, Options{}); !errors.Is(err, ErrDatabaseDamaged) {
					t.Fatalf("the damaged file opened: %v", err)
				}
			}
			before := time.Now()
			res, err := Salvage(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if res.Calls != total-len(gone) || res.Lost != len(gone) || res.Unknown || res.Complete != tt.wantAll {
				t.Fatalf("saved %d, lost %d (unknown %v), complete %v; want %d saved, %d lost", res.Calls, res.Lost,
					res.Unknown, res.Complete, total-len(gone), len(gone))
			}
			back := map[string]bool{}
			if tt.backup {
				back = gone
				if res.FromBackup != len(gone) {
					t.Fatalf("%d calls from the backup, want %d", res.FromBackup, len(gone))
				}
				if want := backupAt.Add(-GapMargin); !res.Gap.From.Equal(want) {
					t.Fatalf("gap from %v, want the backup's time less the margin %v", res.Gap.From, want)
				}
			}
			if _, err := os.Stat(res.Damaged); err != nil {
				t.Fatalf("the damaged file is not kept: %v", err)
			}
			st, err = Open(ctx, dir, Options{})
			if err != nil {
				t.Fatalf("the salvaged database does not open: %v", err)
			}
			defer st.Close()
			got := callIDs(t, st)
			for i := 0; i < total; i++ {
				id := fmt.Sprintf("S%04d", i)
				if _, ok := got[id]; ok != (!gone[id] || back[id]) {
					t.Errorf("call %s: saved %v, was on a damaged page %v, in the backup %v", id, ok, gone[id], back[id])
				}
			}
			var kept string
			if ok, err := st.GetSetting(ctx, "test.kept", &kept); err != nil || !ok || kept != "yes" {
				t.Errorf("setting not saved: %v %v %q", ok, err, kept)
			}
			if ok, _ := st.IntegrityCheck(ctx); ok != "ok" {
				t.Errorf("integrity: %s", ok)
			}
			g, ok, err := st.Gap(ctx)
			if err != nil || !ok || g.Cause != GapSalvage || !g.To.After(before.Add(-time.Second)) || !g.From.Before(before) {
				t.Fatalf("gap %+v %v %v", g, ok, err)
			}
			if err := st.CloseGap(ctx); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := st.Gap(ctx); ok {
				t.Fatal("the gap stays open after CloseGap")
			}
		})
	}
}

func TestSalvageRefusesWhileOpen(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := Salvage(context.Background(), dir); !errors.Is(err, ErrInUse) {
		t.Fatalf("salvage of an open database: %v", err)
	}
}

// A restore takes over what the replaced (damaged) file still knows:
// calls stored after the backup and delivery states reached after it.
func TestRestoreCarriesOverTheReplacedCalls(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir, Options{Clock: clock.Reading(tickingClock(time.Now().Add(-time.Hour)))})
	if err != nil {
		t.Fatal(err)
	}
	before := fillMarked(t, st, "A", 0, 10)
	backup, err := st.Backup(ctx, BackupDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	after := fillMarked(t, st, "B", 0, 60)
	deliver := func(row int64) {
		if err := st.Finish(ctx, row, calls.Step{Attempt: calls.Attempt{Started: time.Now(), Outcome: "delivered", HTTPStatus: 200},
			Status: calls.StatusDelivered, TQMID: "tqm", Delivered: time.Now(), Counted: true}); err != nil {
			t.Fatal(err)
		}
	}
	deliver(before[3]) // delivered after the backup was taken
	deliver(after[0])  // a call the backup never had
	_ = st.Close()
	gone := damagePages(t, filepath.Join(dir, FileName), "B", 3, 1)
	if gone["B0000"] {
		t.Fatal("the test damaged the page of the delivered call")
	}

	res, err := RestoreBackup(ctx, dir, backup)
	if err != nil {
		t.Fatal(err)
	}
	if res.Replaced == "" || res.Carried < 60-len(gone) {
		t.Fatalf("replaced %q, carried %d", res.Replaced, res.Carried)
	}
	if res.Gap.Cause != GapRestore || res.Gap.File != backup || res.Gap.From.After(time.Now().Add(-GapMargin)) {
		t.Fatalf("gap %+v", res.Gap)
	}
	st, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := callIDs(t, st)
	for i := 0; i < 60; i++ {
		id := fmt.Sprintf("B%04d", i)
		if _, ok := got[id]; ok == gone[id] {
			t.Errorf("call %s: back %v, was on the damaged page %v", id, ok, gone[id])
		}
	}
	if got["A0003"] != calls.StatusDelivered || got["B0000"] != calls.StatusDelivered || got["A0004"] != calls.StatusQueued {
		t.Fatalf("states: A0003 %s, B0000 %s, A0004 %s", got["A0003"], got["B0000"], got["A0004"])
	}
	if g, ok, _ := st.Gap(ctx); !ok || !g.From.Equal(res.Gap.From) {
		t.Fatalf("stored gap %+v, want %+v", g, res.Gap)
	}
}

// When the calls table's root page is damaged nothing of it can be read:
// the salvage says so (how many is unknown) and the gap reaches back to
// when the database was made.
func TestSalvageOfAnUnreadableTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillMarked(t, st, "R", 0, 3) // one page: the root is the only leaf
	_ = st.Close()
	gone := damagePages(t, filepath.Join(dir, FileName), "R", 0, 1)
	if len(gone) != 3 {
		t.Fatalf("the damaged page held %d calls, want all 3", len(gone))
	}
	res, err := Salvage(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	marker, err := os.Stat(filepath.Join(dir, MarkerName))
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 0 || !res.Unknown || res.Complete || !res.Gap.From.Equal(marker.ModTime().Add(-GapMargin)) {
		t.Fatalf("salvage %+v; want nothing saved, unknown losses, the gap from the marker's time %v", res, marker.ModTime())
	}
}
