//go:build windows

package autostart

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// TestRunKey turns start at login on and off and reads the Run key back two
// ways: through the registry API and through reg.exe, as an admin would.
// Under Wine (scripts/wine.sh) scripts/test.sh also reads it from Linux.
func TestRunKey(t *testing.T) {
	name := fmt.Sprintf("mangotqm-test-%d", os.Getpid()) // never the real entry
	e := Entry{Name: name, Exec: `C:\Users\Офис\AppData\Local\Programs\mangotqm\mangotqm.exe`, Args: []string{"--minimized"}}
	t.Cleanup(func() { _ = Set(e, "", false) })
	want := `"` + e.Exec + `" "--minimized"`

	if on, err := Enabled(e, ""); err != nil || on {
		t.Fatalf("before: Enabled = %v, %v", on, err)
	}
	if err := Set(e, "", true); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(e, ""); err != nil || !on {
		t.Fatalf("after Set(true): Enabled = %v, %v", on, err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	got, typ, err := k.GetStringValue(name)
	k.Close()
	if err != nil || typ != registry.SZ || got != want {
		t.Fatalf("Run value %q (type %d, %v), want REG_SZ %q", got, typ, err, want)
	}
	out, err := exec.Command("reg", "query", `HKCU\`+runKey, "/v", name).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "REG_SZ") || !strings.Contains(string(out), `mangotqm.exe" "--minimized"`) {
		t.Fatalf("reg query: %v\n%s", err, out)
	}

	if err := Set(e, "", false); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(e, ""); err != nil || on {
		t.Fatalf("after Set(false): Enabled = %v, %v", on, err)
	}
	if err := exec.Command("reg", "query", `HKCU\`+runKey, "/v", name).Run(); err == nil {
		t.Fatal("reg query still finds the value after Set(false)")
	}
	if err := Set(e, "", false); err != nil {
		t.Fatalf("turning off twice: %v", err)
	}
}
