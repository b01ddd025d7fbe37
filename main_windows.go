//go:build windows

package main

import (
	"log"
	"os"

	"golang.org/x/sys/windows"
)

// The release mangotqm.exe is linked for the GUI subsystem (-H windowsgui),
// so no console window opens with the desktop app. Such a program starts
// without standard handles when it is run from cmd.exe or PowerShell; init
// then attaches to the parent's console, so that "mangotqm.exe serve" prints
// its webhook-url lines and logs, and Ctrl+C stops it, where the admin typed
// the command. Handles that exist already (a pipe, "> out.txt") are kept.
func init() {
	attachParentConsole()
}

var procAttachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

func attachParentConsole() {
	outMissing := !validStdHandle(windows.STD_OUTPUT_HANDLE)
	errMissing := !validStdHandle(windows.STD_ERROR_HANDLE)
	if !outMissing && !errMissing {
		return
	}
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	if procAttachConsole.Find() != nil {
		return
	}
	if ok, _, _ := procAttachConsole.Call(attachParentProcess); ok == 0 {
		return // started from Explorer, the Start menu or the Run key: no console
	}
	conout, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	if outMissing {
		os.Stdout = conout
		_ = windows.SetStdHandle(windows.STD_OUTPUT_HANDLE, windows.Handle(conout.Fd()))
	}
	if errMissing {
		os.Stderr = conout
		_ = windows.SetStdHandle(windows.STD_ERROR_HANDLE, windows.Handle(conout.Fd()))
		log.SetOutput(os.Stderr)
	}
}

func validStdHandle(which uint32) bool {
	h, err := windows.GetStdHandle(which)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	_, err = windows.GetFileType(h)
	return err == nil
}
