package vpbx

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// EventKind names a realtime event by its path under our base URL.
type EventKind string

// Event kinds decoded by ParseEvent (docs/mango.md §3.7).
const (
	KindSummary     EventKind = "events/summary"
	KindRecordAdded EventKind = "events/record/added"
	KindRecording   EventKind = "events/recording"
	KindCall        EventKind = "events/call"
)

// Party is one side of a call in an event.
type Party struct {
	Extension  string
	Number     string
	LineNumber string // events/call "to" only
	AcdGroup   string // events/call "to" only
}

// Event is one verified realtime event. Exactly one of the typed fields is
// set for a known Kind; JSON is always the raw json form value, so unknown
// fields are never lost.
type Event struct {
	Kind        EventKind // from WithPath, else guessed from the fields; "" if unknown
	JSON        string
	Summary     *SummaryEvent
	RecordAdded *RecordAddedEvent
	Recording   *RecordingEvent
	Call        *CallEvent
}

// Call directions of events/summary.
const (
	DirectionInternal = 0
	DirectionInbound  = 1
	DirectionOutbound = 2
)

// SummaryEvent is events/summary, the final event of a call.
type SummaryEvent struct {
	EntryID          string
	CallDirection    int // DirectionInternal, DirectionInbound, DirectionOutbound
	From             Party
	To               Party
	LineNumber       string
	CreateTime       time.Time
	ForwardTime      time.Time
	TalkTime         time.Time // zero if there was no conversation
	EndTime          time.Time
	EntryResult      int // 1 conversation happened, 0 missed
	DisconnectReason int
	SipCallID        string
}

// Answered reports whether a conversation happened (talk_time set; Mango's
// own example has entry_result 1 with talk_time 0, so both are required).
func (s *SummaryEvent) Answered() bool { return s.EntryResult == 1 && !s.TalkTime.IsZero() }

// RecordAddedEvent is events/record/added: a recording is in the cloud
// storage (it may still take a moment until the API serves it).
type RecordAddedEvent struct {
	EntryID     string
	ProductID   string
	UserID      string
	Timestamp   time.Time
	RecordingID string
}

// RecordingEvent is events/recording: recording started, continued or
// completed.
type RecordingEvent struct {
	RecordingID    string
	RecordingState string // Started | Continued | Completed
	Seq            int64
	EntryID        string
	CallID         string
	Extension      string
	Timestamp      time.Time
	CompletionCode int // Completed only: 1000 ok, 4002 too short, 22xx restricted
}

// CallEvent is events/call: the state of one call leg.
type CallEvent struct {
	EntryID          string
	CallID           string
	Timestamp        time.Time
	Seq              int64
	CallState        string // Appeared | Connected | OnHold | Disconnected
	Location         string // ivr | queue | abonent
	From             Party
	To               Party
	DCTNumber        string // calltracking number
	DCTType          int    // 0 none, 1 dynamic, 2 static
	DisconnectReason int
}

type eventConfig struct {
	path  string
	epoch Epoch
}

// EventOption adjusts ParseEvent.
type EventOption func(*eventConfig)

// WithPath gives the request path the event came to (e.g. r.URL.Path); its
// events/… suffix sets the Kind. Without it the Kind is guessed.
func WithPath(path string) EventOption { return func(c *eventConfig) { c.path = path } }

// WithEpoch sets how event timestamps are read (default: plain Unix epoch).
func WithEpoch(e Epoch) EventOption { return func(c *eventConfig) { c.epoch = e } }

// ParseEvent verifies and decodes one realtime event posted by Mango as the
// form fields vpbx_api_key, sign, json: the key must be ours (ErrBadKey),
// sign must be Sign(key, json, salt) over the raw json value (ErrBadSign).
// Numbers given as strings and vice versa are accepted.
func ParseEvent(form url.Values, key, salt string, opts ...EventOption) (Event, error) {
	var cfg eventConfig
	for _, o := range opts {
		o(&cfg)
	}
	if key == "" || subtle.ConstantTimeCompare([]byte(form.Get("vpbx_api_key")), []byte(key)) != 1 {
		return Event{}, ErrBadKey
	}
	js := form.Get("json")
	if !Verify(key, js, salt, form.Get("sign")) {
		return Event{}, ErrBadSign
	}
	if strings.TrimSpace(js) == "" {
		return Event{}, fmt.Errorf("%w: empty json", ErrBadEvent)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &fields); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrBadEvent, err)
	}
	ev := Event{JSON: js, Kind: kindOf(cfg.path, fields)}
	var err error
	switch ev.Kind {
	case KindSummary:
		ev.Summary, err = decodeSummary(js, cfg.epoch)
	case KindRecordAdded:
		ev.RecordAdded, err = decodeRecordAdded(js, cfg.epoch)
	case KindRecording:
		ev.Recording, err = decodeRecording(js, cfg.epoch)
	case KindCall:
		ev.Call, err = decodeCall(js, cfg.epoch)
	}
	if err != nil {
		return Event{}, fmt.Errorf("%w: %s: %w", ErrBadEvent, ev.Kind, err)
	}
	return ev, nil
}

func kindOf(path string, f map[string]json.RawMessage) EventKind {
	p := strings.Trim(path, "/")
	for _, k := range []EventKind{KindRecordAdded, KindSummary, KindRecording, KindCall} {
		if p == string(k) || strings.HasSuffix(p, "/"+string(k)) {
			return k
		}
	}
	if p != "" {
		if i := strings.Index(p, "events/"); i >= 0 {
			return EventKind(p[i:])
		}
		return ""
	}
	has := func(k string) bool { _, ok := f[k]; return ok }
	switch {
	case has("call_state"):
		return KindCall
	case has("recording_state"):
		return KindRecording
	case has("entry_result") || has("talk_time") || has("end_time") || has("create_time"):
		return KindSummary
	case has("recording_id") && (has("product_id") || has("user_id")):
		return KindRecordAdded
	}
	return ""
}

type wireParty struct {
	Extension  flexString `json:"extension"`
	Number     flexString `json:"number"`
	LineNumber flexString `json:"line_number"`
	AcdGroup   flexString `json:"acd_group"`
}

func (w wireParty) party() Party {
	return Party{Extension: string(w.Extension), Number: string(w.Number), LineNumber: string(w.LineNumber), AcdGroup: string(w.AcdGroup)}
}

func decodeSummary(js string, e Epoch) (*SummaryEvent, error) {
	var w struct {
		EntryID          flexString `json:"entry_id"`
		CallDirection    flexInt    `json:"call_direction"`
		From             wireParty  `json:"from"`
		To               wireParty  `json:"to"`
		LineNumber       flexString `json:"line_number"`
		CreateTime       flexInt    `json:"create_time"`
		ForwardTime      flexInt    `json:"forward_time"`
		TalkTime         flexInt    `json:"talk_time"`
		EndTime          flexInt    `json:"end_time"`
		EntryResult      flexInt    `json:"entry_result"`
		DisconnectReason flexInt    `json:"disconnect_reason"`
		SipCallID        flexString `json:"sip_call_id"`
	}
	if err := json.Unmarshal([]byte(js), &w); err != nil {
		return nil, err
	}
	return &SummaryEvent{
		EntryID: string(w.EntryID), CallDirection: int(w.CallDirection),
		From: w.From.party(), To: w.To.party(), LineNumber: string(w.LineNumber),
		CreateTime: e.Time(int64(w.CreateTime)), ForwardTime: e.Time(int64(w.ForwardTime)),
		TalkTime: e.Time(int64(w.TalkTime)), EndTime: e.Time(int64(w.EndTime)),
		EntryResult: int(w.EntryResult), DisconnectReason: int(w.DisconnectReason), SipCallID: string(w.SipCallID),
	}, nil
}

func decodeRecordAdded(js string, e Epoch) (*RecordAddedEvent, error) {
	var w struct {
		EntryID     flexString `json:"entry_id"`
		ProductID   flexString `json:"product_id"`
		UserID      flexString `json:"user_id"`
		Timestamp   flexInt    `json:"timestamp"`
		RecordingID flexString `json:"recording_id"`
	}
	if err := json.Unmarshal([]byte(js), &w); err != nil {
		return nil, err
	}
	return &RecordAddedEvent{
		EntryID: string(w.EntryID), ProductID: string(w.ProductID), UserID: string(w.UserID),
		Timestamp: e.Time(int64(w.Timestamp)), RecordingID: string(w.RecordingID),
	}, nil
}

func decodeRecording(js string, e Epoch) (*RecordingEvent, error) {
	var w struct {
		RecordingID    flexString `json:"recording_id"`
		RecordingState flexString `json:"recording_state"`
		Seq            flexInt    `json:"seq"`
		EntryID        flexString `json:"entry_id"`
		CallID         flexString `json:"call_id"`
		Extension      flexString `json:"extension"`
		Timestamp      flexInt    `json:"timestamp"`
		CompletionCode flexInt    `json:"completion_code"`
	}
	if err := json.Unmarshal([]byte(js), &w); err != nil {
		return nil, err
	}
	return &RecordingEvent{
		RecordingID: string(w.RecordingID), RecordingState: string(w.RecordingState), Seq: int64(w.Seq),
		EntryID: string(w.EntryID), CallID: string(w.CallID), Extension: string(w.Extension),
		Timestamp: e.Time(int64(w.Timestamp)), CompletionCode: int(w.CompletionCode),
	}, nil
}

func decodeCall(js string, e Epoch) (*CallEvent, error) {
	var w struct {
		EntryID   flexString `json:"entry_id"`
		CallID    flexString `json:"call_id"`
		Timestamp flexInt    `json:"timestamp"`
		Seq       flexInt    `json:"seq"`
		CallState flexString `json:"call_state"`
		Location  flexString `json:"location"`
		From      wireParty  `json:"from"`
		To        wireParty  `json:"to"`
		DCT       struct {
			Number flexString `json:"number"`
			Type   flexInt    `json:"type"`
		} `json:"dct"`
		DisconnectReason flexInt `json:"disconnect_reason"`
	}
	if err := json.Unmarshal([]byte(js), &w); err != nil {
		return nil, err
	}
	return &CallEvent{
		EntryID: string(w.EntryID), CallID: string(w.CallID), Timestamp: e.Time(int64(w.Timestamp)),
		Seq: int64(w.Seq), CallState: string(w.CallState), Location: string(w.Location),
		From: w.From.party(), To: w.To.party(), DCTNumber: string(w.DCT.Number), DCTType: int(w.DCT.Type),
		DisconnectReason: int(w.DisconnectReason),
	}, nil
}

// UnmarshalJSON accepts an object; anything else (a bare string, null)
// leaves the party empty instead of failing the whole event.
func (w *wireParty) UnmarshalJSON(b []byte) error {
	type plain wireParty
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		*w = wireParty{}
		return nil
	}
	*w = wireParty(p)
	return nil
}
