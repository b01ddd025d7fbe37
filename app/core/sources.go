package core

import (
	"context"
	"time"

	"mangotqm/app/audio"
	"mangotqm/app/delivery"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm"
)

// Where calls come from.
const (
	SourcesCalltracking = "calltracking"
	SourcesVPBX         = "vpbx"
	SourcesBoth         = "both"
)

// JoinWindow: a calltracking webhook and a VPBX summary with the same client
// number starting this close are one call.
const JoinWindow = 2 * time.Minute

// Audio modes.
const (
	AudioUpload = "upload"
	AudioLink   = "link"
)

// buildSender picks how calls reach TQM; linkRequired says whether the
// mapped fileLink must be present.
func (c *Core) buildSender() (s delivery.Sender, linkRequired bool) {
	if c.cfg.Sender != nil {
		return c.cfg.Sender, c.cfg.Audio == AudioLink
	}
	if c.cfg.Audio == AudioLink {
		return NewTQMSender(c.cfg.TQM), true
	}
	o := c.cfg.TQM
	v := o.APIVersion
	switch v {
	case "":
		v = "1.0"
	case "-":
		v = ""
	}
	return &audio.Sender{
		TQM:       &tqm.Client{BaseURL: o.BaseURL, API: o.API, Key: o.Key, APIVersion: v},
		Mango:     c.cfg.Mango,
		Announced: c.store.Recordings,
		Now:       c.cfg.Now,
		Logger:    c.log.With("part", "audio"),
		Zone:      moscow(),
		OnIncident: func(kind string, open bool, msg string) {
			c.incident(kind, open, msg)
		},
	}, false
}

func moscow() *time.Location {
	l, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return time.UTC
	}
	return l
}

func vpbxCredentials(ctx context.Context, s secrets.Store) (string, string, error) {
	k, err := s.Get(ctx, secrets.MangoVPBXKey)
	if err != nil {
		return "", "", err
	}
	salt, err := s.Get(ctx, secrets.MangoVPBXSalt)
	if err != nil {
		return "", "", err
	}
	return k, salt, nil
}

// NewMangoClient returns a VPBX API client reading its credentials from the
// secret store (nil when they are not set).
func NewMangoClient(ctx context.Context, s secrets.Store, baseURL string) *vpbx.Client {
	if _, _, err := vpbxCredentials(ctx, s); err != nil {
		return nil
	}
	return &vpbx.Client{BaseURL: baseURL, Credentials: func(ctx context.Context) (vpbx.Credentials, error) {
		k, salt, err := vpbxCredentials(ctx, s)
		return vpbx.Credentials{Key: k, Salt: salt}, err
	}}
}
