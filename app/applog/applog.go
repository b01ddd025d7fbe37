// Package applog owns the desktop app's log: JSON lines, secrets redacted,
// written to stderr and to a rotating file in the data folder (5 MB a
// file, 5 old files kept, compressed), so that it never grows without end.
package applog

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"gopkg.in/natefinch/lumberjack.v2"

	"mangotqm/app/secrets"
)

// FileName is the current log file in the data folder.
const FileName = "mangotqm.log"

// Rotation limits.
const (
	MaxSizeMB  = 5
	MaxBackups = 5
)

// Open returns a logger that writes to stderr and to dir/mangotqm.log,
// rotated, with every value the redactor knows masked; close the returned
// Closer at exit.
func Open(dir string, red *secrets.Redactor) (*slog.Logger, io.Closer) {
	return New(dir, red, os.Stderr)
}

// New is Open with another console writer (nil: file only).
func New(dir string, red *secrets.Redactor, console io.Writer) (*slog.Logger, io.Closer) {
	file := &lumberjack.Logger{
		Filename:   filepath.Join(dir, FileName),
		MaxSize:    MaxSizeMB,
		MaxBackups: MaxBackups,
		Compress:   true,
	}
	var w io.Writer = file
	if console != nil {
		w = io.MultiWriter(console, file)
	}
	return slog.New(secrets.RedactHandler(slog.NewJSONHandler(w, nil), red)), file
}
