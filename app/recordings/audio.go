package recordings

import (
	"encoding/binary"
	"errors"
	"time"
)

// Audio formats TQM takes.
const (
	FormatMP3 = "mp3"
	FormatWAV = "wav"
)

// Info is what Inspect learned from a recording's bytes.
type Info struct {
	Format   string        // FormatMP3 or FormatWAV
	Channels int           // 1 mono, 2 stereo; 0 unknown
	Duration time.Duration // estimate; 0 unknown
	// PCM: a WAV of plain PCM samples (format tag 1, or an extensible WAV
	// whose sub-format is PCM), the only WAV TQM converts.
	PCM bool
}

// TQM's file limits (docs/tqm.md §3.2): an MP3 up to 32 MB; an original
// PCM-WAV up to 100 MB (TQM converts it to MP3); at most one hour whatever
// the format. (Mango's own rule, no recording under about 6 s, is
// mango.MinRecorded.)
const (
	MaxSize     = 32 << 20  // an MP3, or a WAV that is not PCM
	MaxWAVSize  = 100 << 20 // an original PCM-WAV
	MaxDuration = time.Hour
)

// SizeLimit is the largest file TQM takes in this format: MaxWAVSize for a
// PCM-WAV, MaxSize otherwise.
func (i Info) SizeLimit() int {
	if i.Format == FormatWAV && i.PCM {
		return MaxWAVSize
	}
	return MaxSize
}

// ErrNotAudio: the data is neither MP3 nor WAV (e.g. an HTML login page).
var ErrNotAudio = errors.New("not an MP3 or WAV file")

// Sniff tells the format by magic bytes: "RIFF….WAVE", an ID3v2 tag or an
// MPEG audio frame header. It needs only the first bytes.
func Sniff(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return FormatWAV
	case len(head) >= 3 && string(head[:3]) == "ID3":
		return FormatMP3
	}
	if _, ok := parseFrame(head); ok {
		return FormatMP3
	}
	return ""
}

// Inspect reads the format, the channel count and an estimate of the
// duration: for WAV from the header (data size / byte rate), for MP3 from a
// Xing/Info frame count when present, else from the first frame's bitrate.
func Inspect(data []byte) (Info, error) {
	switch Sniff(data) {
	case FormatWAV:
		return inspectWAV(data)
	case FormatMP3:
		return inspectMP3(data)
	}
	return Info{}, ErrNotAudio
}

// WAV format tags.
const (
	wavePCM        = 1
	waveExtensible = 0xFFFE
)

func inspectWAV(data []byte) (Info, error) {
	info := Info{Format: FormatWAV}
	le := binary.LittleEndian
	byteRate := 0
	for p := 12; p+8 <= len(data); {
		id := string(data[p : p+4])
		size := int64(le.Uint32(data[p+4 : p+8]))
		body := p + 8
		switch id {
		case "fmt ":
			if body+16 > len(data) {
				return info, nil
			}
			info.Channels = int(le.Uint16(data[body+2 : body+4]))
			byteRate = int(le.Uint32(data[body+8 : body+12]))
			switch tag := le.Uint16(data[body : body+2]); {
			case tag == wavePCM:
				info.PCM = true
			case tag == waveExtensible && size >= 40 && body+26 <= len(data):
				// The sub-format GUID starts with the real format tag.
				info.PCM = le.Uint16(data[body+24:body+26]) == wavePCM
			}
		case "data":
			avail := int64(len(data) - body)
			if size > avail || size == 0xFFFFFFFF {
				size = avail // streamed WAV: size unknown or file cut
			}
			if byteRate > 0 {
				info.Duration = time.Duration(float64(size) / float64(byteRate) * float64(time.Second))
			}
			return info, nil
		}
		next := int64(body) + size + size%2
		if next > int64(len(data)) {
			break
		}
		p = int(next)
	}
	return info, nil
}

// MPEG audio tables: bitrates (kbit/s) by [MPEG1?][layer-1][index].
var mpegBitrates = [2][3][16]int{
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

var mpegRates = map[int][3]int{3: {44100, 48000, 32000}, 2: {22050, 24000, 16000}, 0: {11025, 12000, 8000}}

type frame struct {
	mpeg1    bool
	layer    int
	bitrate  int // bit/s; 0 free format
	rate     int // Hz
	channels int
	length   int // bytes; 0 free format
	samples  int // per frame
}

func parseFrame(h []byte) (frame, bool) {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return frame{}, false
	}
	version := int(h[1]>>3) & 3
	layerBits := int(h[1]>>1) & 3
	brIdx, srIdx := int(h[2]>>4)&15, int(h[2]>>2)&3
	if version == 1 || layerBits == 0 || brIdx == 15 || srIdx == 3 {
		return frame{}, false
	}
	f := frame{mpeg1: version == 3, layer: 4 - layerBits, rate: mpegRates[version][srIdx], channels: 2}
	if int(h[3]>>6)&3 == 3 {
		f.channels = 1
	}
	v1 := 0
	if f.mpeg1 {
		v1 = 1
	}
	f.bitrate = mpegBitrates[v1][f.layer-1][brIdx] * 1000
	pad := int(h[2]>>1) & 1
	switch {
	case f.layer == 1:
		f.samples = 384
	case f.layer == 3 && !f.mpeg1:
		f.samples = 576
	default:
		f.samples = 1152
	}
	if f.bitrate > 0 {
		switch {
		case f.layer == 1:
			f.length = (12*f.bitrate/f.rate + pad) * 4
		case f.layer == 3 && !f.mpeg1:
			f.length = 72*f.bitrate/f.rate + pad
		default:
			f.length = 144*f.bitrate/f.rate + pad
		}
	}
	return f, true
}

func inspectMP3(data []byte) (Info, error) {
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
		// Confirm with the next frame, so a stray 0xFFE… pair is not taken
		// for a header.
		if next := p + f.length; f.length > 0 && next+4 <= len(data) {
			if g, ok := parseFrame(data[next:]); !ok || g.channels != f.channels {
				continue
			}
		}
		info := Info{Format: FormatMP3, Channels: f.channels}
		if n := xingFrames(data[p:], f); n > 0 && f.rate > 0 {
			info.Duration = time.Duration(float64(n) * float64(f.samples) / float64(f.rate) * float64(time.Second))
		} else if f.bitrate > 0 {
			info.Duration = time.Duration(float64(len(data)-p) * 8 / float64(f.bitrate) * float64(time.Second))
		}
		return info, nil
	}
	return Info{}, ErrNotAudio
}

// xingFrames reads the frame count of a Xing/Info header in the first
// frame (0 when there is none).
func xingFrames(b []byte, f frame) int {
	off := 4
	switch {
	case f.mpeg1 && f.channels == 2:
		off += 32
	case f.mpeg1:
		off += 17
	case f.channels == 2:
		off += 17
	default:
		off += 9
	}
	if off+12 > len(b) {
		return 0
	}
	tag := string(b[off : off+4])
	if tag != "Xing" && tag != "Info" {
		return 0
	}
	flags := binary.BigEndian.Uint32(b[off+4 : off+8])
	if flags&1 == 0 {
		return 0
	}
	return int(binary.BigEndian.Uint32(b[off+8 : off+12]))
}
