// Package testaudio makes test audio at test time (never downloaded): WAV in
// pure Go, MP3 with the lame encoder (installed by scripts/deps.sh). When
// lame is missing MP3 skips the test, unless MANGOTQM_KEYRING_TEST is set
// (the full suite), where a missing lame is a failure. Reading the format,
// channels and length of audio is recordings.Inspect's job.
//
// The package does not import "testing"; WAV and MP3 take the small TB
// interface that *testing.T and *testing.B satisfy.
package testaudio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
)

// TB is the part of testing.TB used here.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	TempDir() string
}

// FullSuiteEnv, when set, turns a missing lame into a test failure.
const FullSuiteEnv = "MANGOTQM_KEYRING_TEST"

// toneHz is the sine frequency of channel i: 440, 660, 880 Hz, …
func toneHz(ch int) float64 { return 440 + 220*float64(ch) }

// WAV returns a 16-bit PCM WAV file of the given length, with a different
// sine tone in each channel (so stereo is really stereo).
func WAV(t TB, seconds float64, channels, sampleRate int) []byte {
	t.Helper()
	b, err := makeWAV(seconds, channels, sampleRate)
	if err != nil {
		t.Fatalf("testaudio: %v", err)
	}
	return b
}

func makeWAV(seconds float64, channels, sampleRate int) ([]byte, error) {
	if channels < 1 || channels > 8 || sampleRate < 1000 || sampleRate > 192000 || seconds <= 0 || seconds > 3600 {
		return nil, fmt.Errorf("bad WAV parameters: %gs, %d channels, %d Hz", seconds, channels, sampleRate)
	}
	frames := int(seconds * float64(sampleRate))
	dataLen := frames * channels * 2
	var b bytes.Buffer
	b.Grow(44 + dataLen)
	le := binary.LittleEndian
	w := func(v any) { _ = binary.Write(&b, le, v) }
	b.WriteString("RIFF")
	w(uint32(36 + dataLen))
	b.WriteString("WAVE")
	b.WriteString("fmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(channels))
	w(uint32(sampleRate))
	w(uint32(sampleRate * channels * 2))
	w(uint16(channels * 2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(dataLen))
	sample := make([]byte, 2)
	for i := range frames {
		for ch := range channels {
			v := 0.5 * math.Sin(2*math.Pi*toneHz(ch)*float64(i)/float64(sampleRate))
			le.PutUint16(sample, uint16(int16(v*math.MaxInt16)))
			b.Write(sample)
		}
	}
	return b.Bytes(), nil
}

// MP3 returns an MP3 of the given length encoded by lame at 64 kbit/s
// (TQM prefers ≥ 64 kbit/s): true stereo with a different tone per channel,
// or mono.
func MP3(t TB, seconds float64, stereo bool) []byte {
	t.Helper()
	lame, err := exec.LookPath("lame")
	if err != nil {
		if os.Getenv(FullSuiteEnv) == "" {
			t.Skipf("testaudio: lame not installed (run scripts/deps.sh): %v", err)
		}
		t.Fatalf("testaudio: lame not installed but %s is set: %v", FullSuiteEnv, err)
		return nil
	}
	channels, mode := 1, "m"
	if stereo {
		channels, mode = 2, "s"
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.mp3")
	if err := os.WriteFile(in, WAV(t, seconds, channels, 16000), 0o600); err != nil {
		t.Fatalf("testaudio: %v", err)
	}
	cmd := exec.Command(lame, "--quiet", "--nohist", "-b", "64", "--cbr", "-m", mode, "--resample", "16", in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testaudio: lame: %v: %s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("testaudio: %v", err)
	}
	return b
}
