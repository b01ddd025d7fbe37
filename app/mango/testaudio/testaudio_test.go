package testaudio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestChannels(t *testing.T) {
	cases := []struct {
		name string
		data func(t *testing.T) []byte
		want int
	}{
		{"wav mono", func(t *testing.T) []byte { return WAV(t, 0.2, 1, 8000) }, 1},
		{"wav stereo", func(t *testing.T) []byte { return WAV(t, 0.2, 2, 8000) }, 2},
		{"mp3 mono", func(t *testing.T) []byte { return MP3(t, 1, false) }, 1},
		{"mp3 stereo", func(t *testing.T) []byte { return MP3(t, 1, true) }, 2},
		{"mp3 stereo behind ID3v2", func(t *testing.T) []byte {
			tag := []byte{'I', 'D', '3', 4, 0, 0, 0, 0, 0, 20}
			tag = append(tag, bytes.Repeat([]byte{0xFF}, 20)...) // looks like sync, must be skipped
			return append(tag, MP3(t, 1, true)...)
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Channels(tc.data(t))
			if err != nil {
				t.Fatalf("Channels: %v", err)
			}
			if got != tc.want {
				t.Fatalf("Channels = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestChannelsRejectsJunk(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("hello world, not audio"), {0xFF, 0xFF, 0xFF, 0xFF}} {
		if n, err := Channels(b); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Channels(%q) = %d, %v; want ErrUnknownFormat", b, n, err)
		}
	}
}

func TestWAVIsStereoWithDifferentChannels(t *testing.T) {
	b := WAV(t, 0.1, 2, 8000)
	if string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a WAV header: %q", b[:12])
	}
	if got, want := len(b), 44+800*2*2; got != want {
		t.Fatalf("len = %d, want %d", got, want)
	}
	pcm := b[44:]
	differ := 0
	for i := 0; i+4 <= len(pcm); i += 4 {
		if binary.LittleEndian.Uint16(pcm[i:]) != binary.LittleEndian.Uint16(pcm[i+2:]) {
			differ++
		}
	}
	if differ < 100 {
		t.Fatalf("left and right differ in only %d frames: channels are not distinct", differ)
	}
}

func TestMP3LooksLikeMPEG(t *testing.T) {
	b := MP3(t, 2, true)
	if len(b) < 1000 {
		t.Fatalf("mp3 of 2 s is only %d bytes", len(b))
	}
	// 64 kbit/s for 2 s is about 16 kB.
	if len(b) > 40000 {
		t.Fatalf("mp3 of 2 s at 64 kbit/s is %d bytes", len(b))
	}
}
