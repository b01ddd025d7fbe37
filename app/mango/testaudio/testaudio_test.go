package testaudio

import (
	"encoding/binary"
	"testing"
)

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
