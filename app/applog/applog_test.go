package applog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mangotqm/app/secrets"
)

func TestLogRotatesAndRedacts(t *testing.T) {
	dir := t.TempDir()
	red := secrets.NewRedactor()
	const secret = "tqm-key-0123456789abcdef"
	red.Add(secret)
	log, closer := New(dir, red, nil)
	line := strings.Repeat("x", 1024)
	// A little over one file's worth: the log must rotate, not grow.
	for range MaxSizeMB*1024 + 64 {
		log.Info("call", "payload", line, "key", secret)
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "mangotqm*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("log files %v: no rotation after %d MB", files, MaxSizeMB)
	}
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > MaxSizeMB*1024*1024 {
		t.Fatalf("current log is %d bytes, above %d MB", st.Size(), MaxSizeMB)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Fatal("the secret reached the log file")
	}
}
