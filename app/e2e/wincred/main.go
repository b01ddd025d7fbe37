// Command wincred is a test helper for the Windows end-to-end tests
// (app/e2e/windows_test.go): it stores, reads and deletes one secret in the
// OS keychain through go-keyring — Windows Credential Manager when built for
// Windows — exactly as mangotqm.exe files its secrets, so a test can put a
// secret where the real exe looks for it and read back what the exe stored.
//
//	wincred set SERVICE USER      (the secret on stdin)
//	wincred get SERVICE USER      (prints the secret)
//	wincred delete SERVICE USER
//
// Exit status 3 means "no such secret". It is never shipped.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zalando/go-keyring"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 3 {
		fmt.Fprintln(stderr, "usage: wincred set|get|delete SERVICE USER")
		return 2
	}
	op, service, user := args[0], args[1], args[2]
	var err error
	switch op {
	case "set":
		var b []byte
		if b, err = io.ReadAll(stdin); err == nil {
			err = keyring.Set(service, user, strings.TrimRight(string(b), "\r\n"))
		}
	case "get":
		var v string
		if v, err = keyring.Get(service, user); err == nil {
			fmt.Fprintln(stdout, v)
		}
	case "delete":
		err = keyring.Delete(service, user)
	default:
		fmt.Fprintln(stderr, "usage: wincred set|get|delete SERVICE USER")
		return 2
	}
	if errors.Is(err, keyring.ErrNotFound) {
		fmt.Fprintln(stderr, "wincred: not found")
		return 3
	}
	if err != nil {
		fmt.Fprintln(stderr, "wincred:", err)
		return 1
	}
	return 0
}
