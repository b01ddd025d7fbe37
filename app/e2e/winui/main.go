//go:build windows

// Command winui reads and drives the windows of another program under Wine,
// for the installer tests (app/e2e/windows_test.go): it lists a dialog's
// controls with their texts and screen rectangles, and clicks its buttons.
//
//	winui dump TITLE             controls (class, id, text, screen rectangle) of the visible
//	                             top-level windows whose title contains TITLE
//	winui click TITLE BUTTON     click the button whose text contains BUTTON (& ignored),
//	                             or whose control id is BUTTON (NSIS: 1 next, 2 cancel, 3 back);
//	                             disabled buttons are skipped (a message box over a busy page)
//
// Wine hands non-ASCII arguments over in the Unix locale's encoding, so the
// tests click by id and match texts in the dump.
//
// Exit code 3: no such window or button (yet).
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32              = windows.NewLazySystemDLL("user32.dll")
	procEnumWindows     = user32.NewProc("EnumWindows")
	procEnumChild       = user32.NewProc("EnumChildWindows")
	procGetWindowTextW  = user32.NewProc("GetWindowTextW")
	procGetClassNameW   = user32.NewProc("GetClassNameW")
	procIsWindowVisible = user32.NewProc("IsWindowVisible")
	procGetWindowRect   = user32.NewProc("GetWindowRect")
	procPostMessageW    = user32.NewProc("PostMessageW")
	procGetDlgCtrlID    = user32.NewProc("GetDlgCtrlID")
	procGetParent       = user32.NewProc("GetParent")
	procIsWindowEnabled = user32.NewProc("IsWindowEnabled")
)

const wmCommand = 0x0111

type rect struct{ Left, Top, Right, Bottom int32 }

type control struct {
	hwnd        uintptr
	class, text string
	visible     bool
	r           rect
}

func text(h uintptr) string {
	buf := make([]uint16, 1024)
	n, _, _ := procGetWindowTextW.Call(h, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return windows.UTF16ToString(buf[:n])
}

func class(h uintptr) string {
	buf := make([]uint16, 256)
	n, _, _ := procGetClassNameW.Call(h, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return windows.UTF16ToString(buf[:n])
}

func describe(h uintptr) control {
	var r rect
	_, _, _ = procGetWindowRect.Call(h, uintptr(unsafe.Pointer(&r)))
	v, _, _ := procIsWindowVisible.Call(h)
	return control{hwnd: h, class: class(h), text: text(h), visible: v != 0, r: r}
}

// windowsTitled: the visible top-level windows whose title contains title.
func windowsTitled(title string) []control {
	var found []control
	cb := syscall.NewCallback(func(h, _ uintptr) uintptr {
		if c := describe(h); c.visible && strings.Contains(c.text, title) {
			found = append(found, c)
		}
		return 1
	})
	_, _, _ = procEnumWindows.Call(cb, 0)
	return found
}

func children(parent uintptr) []control {
	var all []control
	cb := syscall.NewCallback(func(h, _ uintptr) uintptr {
		all = append(all, describe(h))
		return 1
	})
	_, _, _ = procEnumChild.Call(parent, cb, 0)
	return all
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: winui dump TITLE | winui click TITLE BUTTON")
		os.Exit(2)
	}
	tops := windowsTitled(os.Args[2])
	if len(tops) == 0 {
		os.Exit(3)
	}
	switch os.Args[1] {
	case "dump":
		for _, w := range tops {
			fmt.Printf("window\t%s\t%d,%d,%d,%d\n", w.text, w.r.Left, w.r.Top, w.r.Right, w.r.Bottom)
			for _, c := range children(w.hwnd) {
				if c.visible {
					id, _, _ := procGetDlgCtrlID.Call(c.hwnd)
					fmt.Printf("%s\t%d\t%s\t%d,%d,%d,%d\n", c.class, id, strings.ReplaceAll(c.text, "\n", `\n`), c.r.Left, c.r.Top, c.r.Right, c.r.Bottom)
				}
			}
		}
	case "click":
		if len(os.Args) != 4 {
			os.Exit(2)
		}
		want := strings.ReplaceAll(os.Args[3], "&", "")
		for _, w := range tops {
			for _, c := range children(w.hwnd) {
				id, _, _ := procGetDlgCtrlID.Call(c.hwnd)
				enabled, _, _ := procIsWindowEnabled.Call(c.hwnd)
				if c.visible && enabled != 0 && strings.EqualFold(c.class, "Button") &&
					(strings.Contains(strings.ReplaceAll(c.text, "&", ""), want) || strconv.Itoa(int(id)) == want) {
					// What a click sends: WM_COMMAND BN_CLICKED to the
					// button's dialog (BM_CLICK needs the window active).
					parent, _, _ := procGetParent.Call(c.hwnd)
					_, _, _ = procPostMessageW.Call(parent, wmCommand, id&0xffff, c.hwnd)
					return
				}
			}
		}
		os.Exit(3)
	default:
		os.Exit(2)
	}
}
