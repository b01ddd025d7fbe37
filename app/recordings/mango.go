package recordings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/mango/vpbx"
)

// findIDs returns the recording ids of the call: announced ones first, else
// from the call statistics (the entry closest to the call's start).
func (s *Sender) findIDs(ctx context.Context, ci call, log *slog.Logger) ([]string, error) {
	if ci.EntryID != "" && s.cfg.Index != nil {
		ids, err := s.cfg.Index.RecordingIDs(ctx, ci.EntryID)
		if err != nil {
			return nil, fmt.Errorf("read the announced recordings: %w", err)
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	if calls.NormalizeNumber(ci.Caller) == "" || ci.Start.IsZero() {
		log.Info("cannot search Mango's call statistics: the call has no caller number or start time")
		return nil, nil
	}
	recs, err := s.cfg.VPBX.FindRecordings(ctx, ci.Caller, ci.Start, ci.End)
	if err != nil {
		return nil, err
	}
	s.credentialsOK()
	byEntry := map[string][]vpbx.Recording{}
	for _, r := range recs {
		byEntry[r.EntryID] = append(byEntry[r.EntryID], r)
	}
	var pick []vpbx.Recording
	if ci.EntryID != "" {
		pick = byEntry[ci.EntryID]
	} else {
		best := time.Duration(-1)
		for _, rs := range byEntry {
			d := rs[0].CallStart.Sub(ci.Start)
			if d < 0 {
				d = -d
			}
			if best < 0 || d < best || (d == best && rs[0].EntryID < pick[0].EntryID) {
				best, pick = d, rs
			}
		}
	}
	ids := make([]string, 0, len(pick))
	for _, r := range pick {
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// download fetches each recording and keeps the longest (largest). It stops
// at the first "not ready" answer: that 3xxx answer pauses the VPBX client.
func (s *Sender) download(ctx context.Context, ids []string, log *slog.Logger) (best []byte, notReady bool, notFound int, err error) {
	type size struct {
		ID    string `json:"id"`
		Bytes int    `json:"bytes"`
	}
	var sizes []size
	bestID := ""
	for _, id := range ids {
		body, _, _, err := s.cfg.VPBX.Recording(ctx, id)
		switch {
		case errors.Is(err, vpbx.ErrRecordingNotReady):
			notReady = true
		case errors.Is(err, vpbx.ErrRecordingNotFound):
			s.credentialsOK()
			notFound++
			continue
		case err != nil:
			return nil, false, 0, err
		}
		if notReady {
			break
		}
		s.credentialsOK()
		data, rerr := io.ReadAll(io.LimitReader(body, MaxWAVSize+1))
		_ = body.Close()
		if rerr != nil {
			return nil, false, 0, fmt.Errorf("%w: %w", vpbx.ErrDownload, scrub(rerr))
		}
		sizes = append(sizes, size{id, len(data)})
		if len(data) > len(best) {
			best, bestID = data, id
		}
	}
	if len(ids) > 1 && best != nil {
		log.Info("the call has several recordings (e.g. after a transfer); sending the longest", "chosen", bestID, "recordings", sizes)
	}
	return best, notReady, notFound, nil
}

// vpbxFailed turns a VPBX error into Wait (or, past the call's deadline,
// attention). Credential problems wait without a deadline: an incident
// tells the user, and calls flow again once the keys are fixed.
func (s *Sender) vpbxFailed(ci call, err error) calls.Result {
	now := s.cfg.Clock.Now()
	var lo *vpbx.LockoutError
	if errors.As(err, &lo) {
		s.lockedOut(lo)
	}
	d := s.cfg.RetryEvery
	switch after, _ := vpbx.RetryAfter(err, now); {
	case lo != nil:
		d = after + time.Second // until the pause ends, never earlier
	case errors.Is(err, vpbx.ErrRateLimited):
		d = max(after, time.Second)
	}
	msg := calls.NewReason(calls.CodeVPBXWait, calls.ArgError, err.Error())
	switch {
	case errors.Is(err, vpbx.ErrNoCredentials):
		s.incident(true, KeyNoCredentials)
		return wait(s.cfg.RetryEvery, calls.NewReason(calls.CodeNoCredentials))
	case lo != nil && lo.Credentials():
		return wait(d, msg)
	case now.Before(ci.deadline) || lo != nil || errors.Is(err, vpbx.ErrRateLimited):
		return wait(d, msg)
	}
	return attention(calls.NewReason(calls.CodeVPBXGaveUp, "after"+calls.DurSuffix, s.cfg.GiveUpAfter.String(), calls.ArgError, err.Error()))
}

func (s *Sender) lockedOut(lo *vpbx.LockoutError) {
	if lo.Credentials() {
		s.incident(true, lo.MessageKey())
	}
}

func (s *Sender) credentialsOK() { s.incident(false, "") }

// incident opens the credentials incident once, and clears it once.
func (s *Sender) incident(open bool, key string) {
	s.mu.Lock()
	if s.credOpen == open {
		s.mu.Unlock()
		return
	}
	s.credOpen = open
	s.mu.Unlock()
	if open {
		s.log.Warn("Mango rejects the VPBX credentials; recordings wait", "message_key", key)
	} else {
		s.log.Info("Mango accepts the VPBX credentials again")
	}
	if s.cfg.OnIncident != nil {
		s.cfg.OnIncident(IncidentVPBXCredentials, open, key)
	}
}
