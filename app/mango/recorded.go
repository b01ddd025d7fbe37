package mango

import (
	"strconv"
	"time"

	"mangotqm/app/calls"
)

// MinRecorded: Mango does not record calls shorter than about this
// (docs/mango.md §3.4).
const MinRecorded = 6 * time.Second

// Facts are what Mango's recording rules need to know about a stored call,
// read from its columns and its parameters (tolerant names).
type Facts struct {
	EntryID string    // Mango's entry id, "" when unknown
	Caller  string    // the client's number
	Link    string    // the webhook's recording link, if any
	Start   time.Time // the call's start (zero when unknown)
	End     time.Time // its end (start + talk when unknown)
	Talk    time.Duration
	// TalkKnown: Talk came from a duration parameter or from start and end.
	TalkKnown bool
	// Missed: Mango says nobody answered (answered = 0).
	Missed bool
}

// FactsOf reads a stored call's facts; zone is that of dates without one.
func FactsOf(c calls.Call, zone *time.Location) Facts {
	p := c.Parameters()
	f := Facts{EntryID: calls.EntryIDOf(c.Source, c.CallID, c.Params), Link: p.Get(AliasRecording...),
		Caller: c.Caller, Start: c.Started}
	if f.Caller == "" {
		f.Caller = p.Get(AliasCaller...)
	}
	if t, err := ParseDate(p.Get(AliasDateStart...), zone); err == nil {
		f.Start = t
	}
	if t, err := ParseDate(p.Get(AliasDateEnd...), zone); err == nil {
		f.End = t
	}
	if d := p.Get(AliasDuration...); d != "" {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 && n < 1e9 {
			f.Talk, f.TalkKnown = time.Duration(n*float64(time.Second)), true
		}
	}
	if !f.TalkKnown && !f.Start.IsZero() && !f.End.IsZero() && !f.End.Before(f.Start) {
		f.Talk, f.TalkKnown = f.End.Sub(f.Start), true
	}
	if f.End.IsZero() && !f.Start.IsZero() {
		f.End = f.Start.Add(f.Talk)
	}
	f.Missed = p.Get("answered") == "0"
	return f
}

// Short: the call is known to be too short for Mango to record it.
func (f Facts) Short() bool { return f.TalkKnown && f.Talk < MinRecorded }

// NoRecording is why a call with no recording is not sent (it never will
// have one): missed, else too short; zero when a recording is expected.
func (f Facts) NoRecording() calls.Reason {
	return NoRecording(f.Missed, f.TalkKnown, f.Talk)
}

// NoRecording is Mango's recording rule: a call nobody answered has no
// recording (calls.CodeMissed), nor has one shorter than MinRecorded
// (calls.CodeShort); otherwise one is expected (zero Reason).
func NoRecording(missed, talkKnown bool, talk time.Duration) calls.Reason {
	switch {
	case missed:
		return calls.NewReason(calls.CodeMissed)
	case talkKnown && talk < MinRecorded:
		return calls.NewReason(calls.CodeShort)
	}
	return calls.Reason{}
}
