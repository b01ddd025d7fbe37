package recordings

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/tqm"
)

// closedURL is a loopback address nobody listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr + "/rec.mp3"
}

// TestUnreachableRecordingLinkIsRetried: network trouble on the way to the
// recording is a Retry whose reason names the download, not TQM, and not
// a credentials problem; a link that answers but refuses still needs
// attention.
func TestUnreachableRecordingLinkIsRetried(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hang.Close()
	tests := []struct {
		name      string
		link      string
		mode      string
		wantClass calls.Outcome
		wantText  string
	}{
		{"connection refused", closedURL(t), ModeUpload, calls.OutcomeRetry, "no answer from the recording's server"},
		{"server error", serveBytes(t, 503, "text/plain", []byte("down")), ModeUpload, calls.OutcomeRetry, "answered HTTP 503"},
		{"timeout", hang.URL + "/rec.mp3", ModeUpload, calls.OutcomeRetry, "no answer from the recording's server"},
		{"link mode, server error", serveBytes(t, 502, "text/plain", nil), ModeLink, calls.OutcomeRetry, "answered HTTP 502"},
		{"not found needs attention", serveBytes(t, 404, "text/plain", nil), ModeUpload, calls.OutcomeAttention, "without credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, salt)
			s := e.sender(tt.mode, nil, false)
			s.cfg.HTTP = &http.Client{Timeout: 300 * time.Millisecond}
			c, fields := e.call(t, "calltracking", "UL-1", 60, map[string]string{"recordUrl": tt.link})
			res, err := s.Send(context.Background(), c, fields)
			if res.Outcome != tt.wantClass {
				t.Fatalf("class %v, want %v (%+v %v)", res.Outcome, tt.wantClass, res, err)
			}
			text := res.Reason.English()
			if err != nil {
				text = err.Error()
			}
			if !strings.Contains(text, tt.wantText) || strings.Contains(text, "rec.mp3") {
				t.Fatalf("reason %q: want %q and no link", text, tt.wantText)
			}
			if tt.wantClass == calls.OutcomeRetry && (err == nil || !strings.Contains(err.Error(), "TQM was not asked")) {
				t.Fatalf("err %v", err)
			}
			if n := e.tqm.Stats().Requests; n != 0 {
				t.Fatalf("TQM was asked %d times", n)
			}
		})
	}
}

func TestSenderFingerprintsTheTQMKey(t *testing.T) {
	e := newEnv(t, salt)
	fp, err := e.sender(ModeUpload, nil, false).KeyFingerprint(context.Background())
	if err != nil || fp != tqm.Fingerprint(tqmKey) {
		t.Fatalf("%q %v", fp, err)
	}
}
