package recordings

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"mangotqm/app/mango/testaudio"
)

// wavHeader builds a WAV header declaring byteRate and dataLen, followed by
// body (which may be shorter than dataLen).
func wavHeader(channels, byteRate, dataLen int, body []byte) []byte {
	b := make([]byte, 44)
	le := binary.LittleEndian
	copy(b, "RIFF")
	le.PutUint32(b[4:], uint32(36+dataLen))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], 1)
	le.PutUint16(b[22:], uint16(channels))
	le.PutUint32(b[24:], uint32(byteRate/2/channels))
	le.PutUint32(b[28:], uint32(byteRate))
	le.PutUint16(b[32:], uint16(2*channels))
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(dataLen))
	return append(b, body...)
}

func TestInspect(t *testing.T) {
	cases := []struct {
		name     string
		data     []byte
		format   string
		channels int
		dur      time.Duration
	}{
		{"wav stereo", testaudio.WAV(t, 2.5, 2, 8000), FormatWAV, 2, 2500 * time.Millisecond},
		{"wav mono", testaudio.WAV(t, 7, 1, 16000), FormatWAV, 1, 7 * time.Second},
		{"wav header says 70 min", wavHeader(1, 100, 420000, make([]byte, 420000)), FormatWAV, 1, 4200 * time.Second},
		{"wav cut short", wavHeader(1, 1000, 1<<20, make([]byte, 3000)), FormatWAV, 1, 3 * time.Second},
		{"mp3 stereo", testaudio.MP3(t, 8, true), FormatMP3, 2, 8 * time.Second},
		{"mp3 mono", testaudio.MP3(t, 3, false), FormatMP3, 1, 3 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Inspect(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tc.format || info.Channels != tc.channels {
				t.Fatalf("got %+v, want %s with %d channels", info, tc.format, tc.channels)
			}
			if d := info.Duration - tc.dur; d < -150*time.Millisecond || d > 150*time.Millisecond {
				t.Fatalf("duration %v, want about %v", info.Duration, tc.dur)
			}
		})
	}
	for _, bad := range [][]byte{nil, []byte("<html>login</html>"), {0xFF, 0xFB}} {
		if _, err := Inspect(bad); !errors.Is(err, ErrNotAudio) {
			t.Errorf("Inspect(%q) = %v, want ErrNotAudio", bad, err)
		}
	}
}

func TestMP3DurationFromBitrateWithoutXing(t *testing.T) {
	data := testaudio.MP3(t, 10, true)
	info, _ := Inspect(data)
	// Remove the Xing/Info tag: the estimate must come from the bitrate.
	f, _ := parseFrame(data)
	if xingFrames(data, f) == 0 {
		t.Skip("lame wrote no Info frame")
	}
	stripped := append([]byte(nil), data...)
	off := 4 + 32
	if !f.mpeg1 {
		off = 4 + 17
	}
	copy(stripped[off:], "XXXX")
	got, err := Inspect(stripped)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Duration - info.Duration; d < -500*time.Millisecond || d > 500*time.Millisecond {
		t.Fatalf("bitrate estimate %v, Info frame %v", got.Duration, info.Duration)
	}
}

// TestSizeLimit: the size TQM takes depends on the format (docs/tqm.md
// §3.2): 100 MB for an original PCM-WAV, 32 MB for an MP3 or another WAV.
func TestSizeLimit(t *testing.T) {
	ext := wavHeader(1, 16000, 100, make([]byte, 100))
	extensible := func(sub uint16) []byte {
		b := make([]byte, 0, 80)
		b = append(b, ext[:16]...)
		b = binary.LittleEndian.AppendUint32(b, 40)
		b = binary.LittleEndian.AppendUint16(b, waveExtensible)
		b = append(b, ext[22:36]...)                // channels … bits per sample
		b = binary.LittleEndian.AppendUint16(b, 22) // extension size
		b = append(b, make([]byte, 6)...)           // valid bits, channel mask
		b = binary.LittleEndian.AppendUint16(b, sub)
		b = append(b, make([]byte, 14)...) // rest of the GUID
		return append(b, ext[36:]...)
	}
	cases := []struct {
		name  string
		data  []byte
		pcm   bool
		limit int
	}{
		{"PCM WAV", wavHeader(1, 16000, 100, make([]byte, 100)), true, 100 << 20},
		{"A-law WAV", wavTag(wavHeader(1, 8000, 100, make([]byte, 100)), 6), false, 32 << 20},
		{"extensible PCM WAV", extensible(1), true, 100 << 20},
		{"extensible float WAV", extensible(3), false, 32 << 20},
		{"MP3", testaudio.MP3(t, 3, false), false, 32 << 20},
		{"not audio", []byte("<html>"), false, 32 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info, _ := Inspect(tc.data)
			if info.PCM != tc.pcm || info.SizeLimit() != tc.limit {
				t.Fatalf("Inspect = %+v, limit %d; want PCM %v, limit %d", info, info.SizeLimit(), tc.pcm, tc.limit)
			}
		})
	}
}
