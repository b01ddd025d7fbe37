package recordings

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mapping"
	"mangotqm/app/tqm"
)

// origin is where a recording came from.
type origin int

const (
	fromLink  origin = iota // the webhook's recording link
	fromMango               // Mango Office's VPBX API
)

// upload checks TQM's limits and sends the call with its file.
func (s *Sender) upload(ctx context.Context, ci call, fields []mapping.Field, data []byte, from origin) (calls.Result, error) {
	info, err := Inspect(data)
	if limit := info.SizeLimit(); len(data) > limit {
		code := calls.CodeMangoTooLarge
		if from == fromLink {
			code = calls.CodeLinkTooLarge
		}
		return attention(calls.NewReason(code, "mb", strconv.Itoa(limit>>20))), nil
	}
	if err != nil {
		code := calls.CodeMangoNotAudio
		if from == fromLink {
			code = calls.CodeLinkNotAudio
		}
		return attention(calls.NewReason(code)), nil
	}
	if info.Duration > MaxDuration {
		return attention(calls.NewReason(calls.CodeRecordingTooLong, "length"+calls.DurSuffix, info.Duration.Round(time.Minute).String())), nil
	}
	if info.Channels == 1 {
		s.mono(ci)
	}
	fs := make([]tqm.Field, 0, len(fields))
	for _, f := range fields {
		if f.Name == mapping.FieldFileLink { // the file itself is sent
			continue
		}
		fs = append(fs, tqm.Field{Name: f.Name, Value: f.Value})
	}
	name := fileName(ci.tqmID) + "." + info.Format
	return s.cfg.TQM.SendWithFile(ctx, fs, name, bytes.NewReader(data))
}

func (s *Sender) sendByLink(ctx context.Context, fields []mapping.Field, link string) (calls.Result, error) {
	fs := make([]tqm.Field, 0, len(fields)+1)
	has := false
	for _, f := range fields {
		if f.Name == mapping.FieldFileLink {
			has = true
		}
		fs = append(fs, tqm.Field{Name: f.Name, Value: f.Value})
	}
	if !has {
		fs = append(fs, tqm.Field{Name: mapping.FieldFileLink, Value: link})
	}
	return s.cfg.TQM.Send(ctx, fs)
}

func (s *Sender) mono(ci call) {
	s.log.Debug("mono recording", "row", ci.row)
	if s.cfg.OnMono == nil {
		return
	}
	s.mu.Lock()
	now := s.cfg.Clock.Now()
	if !s.lastMono.IsZero() && now.Sub(s.lastMono) < s.cfg.MonoEvery {
		s.mu.Unlock()
		return
	}
	s.lastMono = now
	s.mu.Unlock()
	s.log.Warn("recordings are mono: operator and client share one channel; turn on multichannel recording in Mango Office", "row", ci.row)
	s.cfg.OnMono()
}

// fileName makes a safe upload file name from the TQM call id.
func fileName(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "call"
	}
	return b.String()
}
