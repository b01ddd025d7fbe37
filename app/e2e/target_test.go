package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The binary under test. By default TestMain builds mangotqm for this
// machine. Two variables point the same tests at another build:
//
//	MANGOTQM_E2E_EXE   an existing binary (e.g. the release mangotqm.exe)
//	MANGOTQM_E2E_WINE  the Wine launcher ("wine"): the binary is a Windows
//	                   exe, run under Wine in $WINEPREFIX (scripts/wine-test.sh)
//
// Under Wine, binary is a small shell script that starts the exe, so every
// test runs it with exec.Command(binary, ...) as before; signals sent to it
// reach the Wine process.
var wineMode = os.Getenv("MANGOTQM_E2E_WINE") != ""

func prepareBinary(dir string) (string, error) {
	exe := os.Getenv("MANGOTQM_E2E_EXE")
	if exe == "" {
		if wineMode {
			return "", fmt.Errorf("MANGOTQM_E2E_WINE needs MANGOTQM_E2E_EXE (the Windows exe)")
		}
		bin := filepath.Join(dir, "mangotqm")
		build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, "mangotqm")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return "", fmt.Errorf("building mangotqm: %w", err)
		}
		return bin, nil
	}
	exe, err := filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(exe); err != nil {
		return "", fmt.Errorf("MANGOTQM_E2E_EXE: %w", err)
	}
	if !wineMode {
		return exe, nil
	}
	return wineWrapper(dir, exe, os.Getenv("MANGOTQM_E2E_WINE"))
}

// wineWrapper writes dir/mangotqm, a script that runs exe under wine with
// the Wine settings of this test process: the tests start the binary with a
// minimal environment (PATH, HOME, LANG and secrets).
func wineWrapper(dir, exe, wine string) (string, error) {
	if os.Getenv("WINEPREFIX") == "" {
		return "", fmt.Errorf("MANGOTQM_E2E_WINE is set but WINEPREFIX is not: run the Windows tests in a private prefix")
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# Runs the Windows mangotqm.exe under Wine (written by app/e2e).\n")
	for _, k := range []string{"WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "DISPLAY", "XAUTHORITY"} {
		if v, ok := os.LookupEnv(k); ok {
			fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
		}
	}
	fmt.Fprintf(&b, "exec %s %s \"$@\"\n", shellQuote(wine), shellQuote(exe))
	path := filepath.Join(dir, "mangotqm")
	if err := os.WriteFile(path, []byte(b.String()), 0o755); err != nil {
		return "", err
	}
	return path, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
