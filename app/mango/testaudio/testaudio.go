// Package testaudio makes test audio at test time (never downloaded) and
// reads the channel count of WAV and MP3 data.
//
// WAV is pure Go. MP3 runs the lame encoder (installed by scripts/deps.sh).
// When lame is missing MP3 skips the test, unless MANGOTQM_KEYRING_TEST is
// set (the full suite), where a missing lame is a failure.
//
// Channels is not test-only: the core uses it to warn about mono
// recordings. The package therefore does not import "testing"; WAV and MP3
// take the small TB interface that *testing.T and *testing.B satisfy.
package testaudio

import (
	"bytes"
	"encoding/binary"
	"errors"
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

// ErrUnknownFormat: the data is neither a WAV nor an MPEG audio stream.
var ErrUnknownFormat = errors.New("testaudio: not WAV or MPEG audio")

// Channels returns the channel count from a RIFF/WAVE "fmt " chunk, or from
// the first MPEG audio frame header (after an optional ID3v2 tag): channel
// mode 3 is mono (1), the others stereo (2).
func Channels(data []byte) (int, error) {
	if len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WAVE" {
		return wavChannels(data)
	}
	return mpegChannels(data)
}

func wavChannels(data []byte) (int, error) {
	p := 12
	for p+8 <= len(data) {
		id := string(data[p : p+4])
		size := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		body := p + 8
		if id == "fmt " {
			if size < 4 || body+4 > len(data) {
				return 0, fmt.Errorf("testaudio: WAV fmt chunk truncated")
			}
			ch := int(binary.LittleEndian.Uint16(data[body+2 : body+4]))
			if ch < 1 {
				return 0, fmt.Errorf("testaudio: WAV declares %d channels", ch)
			}
			return ch, nil
		}
		if size < 0 || body+size < body {
			break
		}
		p = body + size + size%2
	}
	return 0, fmt.Errorf("testaudio: WAV without fmt chunk")
}

// MPEG audio tables: bitrates (kbit/s) by [version is MPEG1][layer-1][index]
// and sample rates by version.
var (
	bitrates = [2][3][16]int{
		{ // MPEG 2 / 2.5
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, -1},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
		},
		{ // MPEG 1
			{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, -1},
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, -1},
			{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1},
		},
	}
	sampleRates = map[int][3]int{ // version bits → rates
		3: {44100, 48000, 32000}, // MPEG 1
		2: {22050, 24000, 16000}, // MPEG 2
		0: {11025, 12000, 8000},  // MPEG 2.5
	}
)

type frame struct {
	length   int // bytes, 0 if free format
	channels int
}

func parseFrame(h []byte) (frame, bool) {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return frame{}, false
	}
	version := int(h[1]>>3) & 3 // 0: 2.5, 1: reserved, 2: MPEG2, 3: MPEG1
	layerBits := int(h[1]>>1) & 3
	if version == 1 || layerBits == 0 {
		return frame{}, false
	}
	layer := 4 - layerBits // 1, 2 or 3
	brIdx := int(h[2]>>4) & 15
	srIdx := int(h[2]>>2) & 3
	if brIdx == 15 || srIdx == 3 {
		return frame{}, false
	}
	pad := int(h[2]>>1) & 1
	mode := int(h[3]>>6) & 3
	ch := 2
	if mode == 3 {
		ch = 1
	}
	v1 := 0
	if version == 3 {
		v1 = 1
	}
	br := bitrates[v1][layer-1][brIdx] * 1000
	sr := sampleRates[version][srIdx]
	f := frame{channels: ch}
	if br > 0 {
		switch {
		case layer == 1:
			f.length = (12*br/sr + pad) * 4
		case layer == 3 && v1 == 0:
			f.length = 72*br/sr + pad
		default:
			f.length = 144*br/sr + pad
		}
	}
	return f, true
}

func mpegChannels(data []byte) (int, error) {
	p := 0
	if len(data) >= 10 && string(data[:3]) == "ID3" {
		size := int(data[6]&0x7F)<<21 | int(data[7]&0x7F)<<14 | int(data[8]&0x7F)<<7 | int(data[9]&0x7F)
		p = 10 + size
		if data[5]&0x10 != 0 {
			p += 10
		}
	}
	for ; p+4 <= len(data); p++ {
		f, ok := parseFrame(data[p:])
		if !ok {
			continue
		}
		// Confirm with the next frame when it is inside the data, so a
		// stray 0xFFE… byte pair is not taken for a header.
		if next := p + f.length; f.length > 0 && next+4 <= len(data) {
			if g, ok := parseFrame(data[next:]); !ok || g.channels != f.channels {
				continue
			}
		}
		return f.channels, nil
	}
	return 0, ErrUnknownFormat
}
