package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestIconsArePNGs(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		size int
	}{
		{"icon", Icon, 256},
		{"tray good", TrayGood, 64},
		{"tray attention", TrayAttention, 64},
		{"tray error", TrayError, 64},
	}
	for _, tt := range tests {
		img, err := png.Decode(bytes.NewReader(tt.data))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if b := img.Bounds(); b.Dx() != tt.size || b.Dy() != tt.size {
			t.Errorf("%s is %v, want %d×%d", tt.name, b, tt.size, tt.size)
		}
	}
	if bytes.Equal(TrayGood, TrayAttention) || bytes.Equal(TrayAttention, TrayError) || bytes.Equal(TrayGood, TrayError) {
		t.Error("tray states share an icon")
	}
}
