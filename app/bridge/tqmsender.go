package bridge

import (
	"context"
	"log/slog"

	"mangotqm/app/calls"
	"mangotqm/app/delivery"
	"mangotqm/app/mapping"
	"mangotqm/app/tqm"
)

// TQMOptions configure the TQM sender.
type TQMOptions struct {
	BaseURL    string
	API        string // v2 | v1
	APIVersion string // v2 apiVersion parameter (default "1.0"; "-" omits it)
	Key        func(ctx context.Context) (string, error)
	Logger     *slog.Logger
}

// Sender is what delivery sends calls with: a delivery.Sender that can
// tell which TQM key it sends (a delivery paused for a rejected key
// compares it with the rejected one).
type Sender interface {
	delivery.Sender
	KeyFingerprint(ctx context.Context) (string, error)
}

// tqmSender adapts the TQM client to delivery.Sender.
type tqmSender struct {
	c *tqm.Client
}

// NewTQMSender returns a Sender that imports calls by link.
func NewTQMSender(o TQMOptions) Sender {
	return &tqmSender{c: o.client()}
}

// client is the TQM client the options describe.
func (o TQMOptions) client() *tqm.Client {
	v := o.APIVersion
	switch v {
	case "":
		v = tqm.DefaultAPIVersion
	case "-":
		v = ""
	}
	return &tqm.Client{BaseURL: o.BaseURL, API: o.API, Key: o.Key, APIVersion: v}
}

func (s *tqmSender) Send(ctx context.Context, _ calls.Call, fields []mapping.Field) (calls.Result, error) {
	fs := make([]tqm.Field, len(fields))
	for i, f := range fields {
		fs[i] = tqm.Field{Name: f.Name, Value: f.Value}
	}
	return s.c.Send(ctx, fs)
}

// KeyFingerprint implements Sender.
func (s *tqmSender) KeyFingerprint(ctx context.Context) (string, error) {
	return s.c.KeyFingerprint(ctx)
}
