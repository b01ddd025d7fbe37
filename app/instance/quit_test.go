package instance

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// quitHelperEnv makes the test binary a watching app in another process
// (see TestMain): "heed" quits when asked, "deaf" watches but never quits
// (a hung copy).
const quitHelperEnv = "MANGOTQM_QUIT_TEST_HELPER"

// quitHelper says "watching PID", then "asked" when the request comes; a
// heeding helper then exits 0, a deaf one waits to be killed.
func quitHelper(mode string) int {
	asked := make(chan struct{})
	if err := WatchQuit(func() { close(asked) }); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("watching", os.Getpid())
	<-asked
	fmt.Println("asked")
	for mode == "deaf" {
		<-time.After(time.Hour) // a hung program (not a test's wait): only a kill ends it
	}
	return 0
}

func startQuitHelper(t *testing.T, mode string) *helperProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), quitHelperEnv+"="+mode)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helperProc{cmd: cmd, lines: make(chan string, 16), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- strings.TrimSpace(sc.Text())
		}
		close(h.lines)
		h.err = cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = h.wait()
	})
	h.expect(t, "watching "+strconv.Itoa(cmd.Process.Pid))
	return h
}
