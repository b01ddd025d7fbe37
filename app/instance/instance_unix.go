//go:build !windows

package instance

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Lock is held by the first instance.
type Lock struct {
	ln   net.Listener
	path string
	wg   sync.WaitGroup
}

const socketName = "instance.sock"

// Acquire becomes the single instance for dir, or returns ErrRunning after
// asking the running one to show itself. onShow is called (on its own
// goroutine) whenever a later launch asks.
func Acquire(dir string, onShow func()) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(dir, socketName)
	if conn, err := net.DialTimeout("unix", path, time.Second); err == nil {
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second)) // the OS compares deadlines with the wall clock
		if _, err := conn.Write([]byte("show\n")); err == nil {
			if reply, _ := bufio.NewReader(conn).ReadString('\n'); strings.TrimSpace(reply) == "ok" {
				return nil, ErrRunning
			}
		}
	}
	_ = os.Remove(path) // stale socket of a crashed run
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("single-instance socket: %w", err)
	}
	_ = os.Chmod(path, 0o600)
	l := &Lock{ln: ln, path: path}
	l.wg.Add(1)
	go l.serve(onShow)
	return l, nil
}

func (l *Lock) serve(onShow func()) {
	defer l.wg.Done()
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			return
		}
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second)) // the OS compares deadlines with the wall clock
		line, _ := bufio.NewReader(conn).ReadString('\n')
		if strings.TrimSpace(line) == "show" {
			_, _ = conn.Write([]byte("ok\n"))
			if onShow != nil {
				go onShow()
			}
		}
		_ = conn.Close()
	}
}

// Release stops answering and removes the socket.
func (l *Lock) Release() error {
	err := l.ln.Close()
	l.wg.Wait()
	_ = os.Remove(l.path)
	return err
}
