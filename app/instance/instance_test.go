package instance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary act as "the first copy" in another
// process (see TestMain): it takes the owner lock and the instance lock for
// the folder in the variable's value and reports on stdout.
const helperEnv = "MANGOTQM_INSTANCE_TEST_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helper(dir))
	}
	if mode := os.Getenv(quitHelperEnv); mode != "" {
		os.Exit(quitHelper(mode))
	}
	os.Exit(m.Run())
}

// helper: "ready PID" once both locks are held, "shown" for every show
// request; a line "release" on stdin releases both and exits 0.
func helper(dir string) int {
	owner, err := AcquireOwner(dir)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	lock, err := Acquire(dir, func() { fmt.Println("shown") })
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ready", os.Getpid())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "release" {
			break
		}
	}
	if err := errors.Join(lock.Release(), owner.Release()); err != nil {
		fmt.Println("error", err)
		return 1
	}
	return 0
}

func TestSecondLaunchShowsTheFirst(t *testing.T) {
	dir := tempDir(t)
	shown := make(chan struct{}, 1)
	first, err := Acquire(dir, func() { shown <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(dir, nil); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Acquire: %v, want ErrRunning", err)
	}
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance was not asked to show its window")
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := Acquire(dir, nil)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	_ = again.Release()
}

func TestFoldersAreIndependent(t *testing.T) {
	a, err := Acquire(tempDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := Acquire(tempDir(t), nil)
	if err != nil {
		t.Fatalf("a second data folder is blocked by the first: %v", err)
	}
	_ = b.Release()
	oa, err := AcquireOwner(tempDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer oa.Release()
	ob, err := AcquireOwner(tempDir(t))
	if err != nil {
		t.Fatalf("a second data folder's owner lock is blocked by the first: %v", err)
	}
	_ = ob.Release()
}

func TestOwnerInOneProcess(t *testing.T) {
	dir := tempDir(t)
	first, err := AcquireOwner(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireOwner(dir)
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second AcquireOwner: %v, want a *HeldError", err)
	}
	if held.PID != os.Getpid() {
		t.Errorf("HeldError.PID = %d, want %d", held.PID, os.Getpid())
	}
	if want := "already running on " + dir + ", PID " + strconv.Itoa(os.Getpid()); held.Error() != "mangotqm is "+want {
		t.Errorf("message %q, want it to say %q", held.Error(), want)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	again, err := AcquireOwner(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if err := again.Release(); err != nil {
		t.Fatal(err)
	}
}

// TestTwoProcesses: another process holds the folder; this one is refused
// with that process's PID, its "show" request reaches the other process, and
// once the other process releases or dies (killed: no clean-up at all) the
// folder is free again.
func TestTwoProcesses(t *testing.T) {
	for _, end := range []string{"release", "kill"} {
		t.Run(end, func(t *testing.T) {
			dir := tempDir(t)
			first := startHelper(t, dir)

			_, err := AcquireOwner(dir)
			var held *HeldError
			if !errors.As(err, &held) {
				t.Fatalf("AcquireOwner while another process owns the folder: %v, want a *HeldError", err)
			}
			if held.PID != first.cmd.Process.Pid {
				t.Errorf("HeldError.PID = %d, want the other process's %d", held.PID, first.cmd.Process.Pid)
			}
			if _, err := Acquire(dir, nil); !errors.Is(err, ErrRunning) {
				t.Fatalf("Acquire while another process runs: %v, want ErrRunning", err)
			}
			first.expect(t, "shown")

			switch end {
			case "release":
				if _, err := io.WriteString(first.stdin, "release\n"); err != nil {
					t.Fatal(err)
				}
				if err := first.wait(); err != nil {
					t.Fatalf("helper: %v", err)
				}
			case "kill":
				if err := first.cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				_ = first.wait()
			}

			owner, err := AcquireOwner(dir)
			if err != nil {
				t.Fatalf("AcquireOwner after the other process ended (%s): %v", end, err)
			}
			defer owner.Release()
			lock, err := Acquire(dir, nil)
			if err != nil {
				t.Fatalf("Acquire after the other process ended (%s): %v", end, err)
			}
			_ = lock.Release()
		})
	}
}

type helperProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	exited chan struct{}
	err    error // of cmd.Wait, set before exited is closed
}

func startHelper(t *testing.T, dir string) *helperProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helperProc{cmd: cmd, stdin: stdin, lines: make(chan string, 16), exited: make(chan struct{})}
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
	h.expect(t, "ready "+strconv.Itoa(cmd.Process.Pid))
	return h
}

func (h *helperProc) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok || line != want {
			t.Fatalf("helper said %q (open: %v), want %q", line, ok, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("helper did not say %q within 20 s", want)
	}
}

// wait waits for the helper to end, dropping what it still says.
func (h *helperProc) wait() error {
	lines := h.lines
	timeout := time.After(20 * time.Second)
	for {
		select {
		case <-h.exited:
			return h.err
		case _, ok := <-lines:
			if !ok {
				lines = nil
			}
		case <-timeout:
			return errors.New("helper did not exit within 20 s")
		}
	}
}
