package ui

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mangotqm/app/secrets"
	"mangotqm/store"
)

// objects lists o and everything inside it (containers and widgets).
func objects(o fyne.CanvasObject) []fyne.CanvasObject {
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, objects(c)...)
		}
	case fyne.Widget:
		if r := test.WidgetRenderer(x); r != nil {
			for _, c := range r.Objects() {
				out = append(out, objects(c)...)
			}
		}
	}
	return out
}

func shownText(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, x := range objects(o) {
		switch w := x.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.Button:
			b.WriteString("[" + w.Text + "]\n")
		}
	}
	return b.String()
}

func button(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, x := range objects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q in:\n%s", text, shownText(o))
	return nil
}

// shot saves what w shows as PNG into MANGOTQM_UI_SHOTS (when set) or the
// test's temp folder, and checks it rendered.
func shot(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	dir := os.Getenv("MANGOTQM_UI_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	img := w.Canvas().Capture()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	seen := map[uint32]bool{}
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y += 3 {
		for x := bnd.Min.X; x < bnd.Max.X; x += 3 {
			r, g, b, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|b>>8] = true
		}
	}
	if len(seen) < 4 {
		t.Fatalf("%s has %d colours: nothing rendered", p, len(seen))
	}
	t.Logf("screenshot: %s", p)
}

// The start-up refusal of a damaged database offers «Спасти данные»; it
// saves the readable calls, says how many, takes the unreadable ones back
// from the backup, and the bridge runs on them.
func TestDamagedDatabaseOffersSalvage(t *testing.T) {
	ctx := context.Background()
	u := newTestUI(t, nil)
	u.dataDir, u.open = t.TempDir(), loopbackOpener(u)
	if err := u.keychain.Set(ctx, secrets.TQMKey, "salvage-test-key-0123456789"); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, u.dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const total = 80
	for i := range total {
		id := fmt.Sprintf("SV%04d", i)
		if _, err := st.Intake(ctx, store.NewCall{Source: "calltracking", CallID: id, Params: `{}`,
			Raw: `{"method":"POST","body":"` + id + `.` + strings.Repeat("x", 900) + `"}`}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Backup(ctx, store.BackupDir(u.dataDir)); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	lost := damageCallPage(t, filepath.Join(u.dataDir, store.FileName))

	_, err = u.openBridge(ctx)
	if err == nil {
		t.Fatal("the damaged database opened")
	}
	u.fatal(err)
	wins := u.app.Driver().AllWindows()
	w := wins[len(wins)-1]
	text := shownText(w.Content())
	for _, want := range []string{"База звонков повреждена", "[Спасти данные]", "[Восстановить из копии…]", "mangotqm restore"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the refusal screen lacks %q:\n%s", want, text)
		}
	}
	w.Resize(fyne.NewSize(640, 420))
	shot(t, w, "damaged-database")

	test.Tap(button(t, w.Content(), "Спасти данные"))
	eventually(t, "the bridge runs on the salvaged database", func() bool { u.flush(); return u.bridge != nil && u.main != nil })
	t.Cleanup(func() { _ = u.bridge.Close(context.Background()) })
	top := u.main.w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no message after the salvage")
	}
	msg := shownText(top)
	want := fmt.Sprintf("Данные спасены: сохранено звонков: %d.", total-lost)
	back := fmt.Sprintf("Из последней резервной копии возвращено звонков: %d.", lost)
	if !strings.Contains(msg, want) || !strings.Contains(msg, back) || !strings.Contains(msg, "mangotqm-damaged-") {
		t.Fatalf("the message after the salvage:\n%s\nwant %q", msg, want)
	}
	// Without the VPBX key the period that may be missing is named.
	eventually(t, "the gap is named", func() bool {
		u.flush()
		return strings.Contains(shownText(u.main.w.Canvas().Overlays().Top()), "могли не попасть в базу")
	})
	u.main.w.Resize(fyne.NewSize(900, 600))
	shot(t, u.main.w, "salvaged")
	n, err := u.bridge.Counts(ctx)
	if err != nil || n.Total != total { // the lost ones came back from the backup
		t.Fatalf("%d calls after the salvage (%v), want %d", n.Total, err, total)
	}
	if u.exitCode != 0 {
		t.Fatalf("exit code %d after a salvage that worked", u.exitCode)
	}
}

// damageCallPage overwrites the third table page holding calls "SVnnnn."
// and returns how many calls it held.
func damageCallPage(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`SV[0-9]{4}\.`)
	const page = 4096
	for p, seen := 1, 0; (p+1)*page <= len(b); p++ {
		pg := b[p*page : (p+1)*page]
		n := len(re.FindAll(pg, -1))
		if pg[0] != 0x0d || n == 0 {
			continue
		}
		if seen++; seen < 3 {
			continue
		}
		copy(pg, bytes.Repeat([]byte{0xA5}, page))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Fatal("no page of calls to damage")
	return 0
}
