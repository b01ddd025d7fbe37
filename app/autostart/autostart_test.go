//go:build linux

package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestXDGAutostart(t *testing.T) {
	dir := t.TempDir()
	e := Entry{Name: "mangotqm", Exec: "/opt/My Apps/mangotqm", Args: []string{"--minimized"}}
	if on, err := Enabled(e, dir); err != nil || on {
		t.Fatalf("fresh: %v %v", on, err)
	}
	if err := Set(e, dir, true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "autostart", "mangotqm.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `Exec="/opt/My Apps/mangotqm" --minimized`) || !strings.Contains(string(b), "Type=Application") {
		t.Fatalf("desktop entry:\n%s", b)
	}
	if on, _ := Enabled(e, dir); !on {
		t.Fatal("not enabled after Set(true)")
	}
	if err := Set(e, dir, false); err != nil {
		t.Fatal(err)
	}
	if on, _ := Enabled(e, dir); on {
		t.Fatal("still enabled after Set(false)")
	}
}
