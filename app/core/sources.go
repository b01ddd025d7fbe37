package core

import (
	"context"
	"errors"

	"mangotqm/app/delivery"
	"mangotqm/app/mango/vpbx"
	"mangotqm/app/vpbxevents"
)

// Where calls come from.
const (
	SourcesCalltracking = vpbxevents.SourcesCalltracking
	SourcesVPBX         = vpbxevents.SourcesVPBX
	SourcesBoth         = vpbxevents.SourcesBoth
)

// Audio modes.
const (
	AudioUpload      = "upload"
	AudioLink        = "link"
	AudioPassthrough = "passthrough"
)

// DefaultVPBXURL is Mango's VPBX API.
const DefaultVPBXURL = vpbx.DefaultBaseURL

// buildSender picks how calls reach TQM; linkRequired says whether the
// mapped fileLink must be present.
func (c *Core) buildSender(ctx context.Context, creds func(context.Context) (vpbx.Credentials, error)) (delivery.Sender, bool) {
	if c.cfg.Sender != nil {
		return c.cfg.Sender, c.cfg.Audio == AudioPassthrough
	}
	if c.cfg.Audio == AudioPassthrough {
		return NewTQMSender(c.cfg.TQM), true
	}
	var vc *vpbx.Client
	if _, err := creds(ctx); err == nil {
		url := c.cfg.VPBXURL
		if url == "" {
			url = DefaultVPBXURL
		}
		vc = &vpbx.Client{BaseURL: url, Credentials: creds, Logger: c.log.With("part", "vpbx")}
	} else if !errors.Is(err, context.Canceled) {
		c.log.Warn("the Mango VPBX code and signing key are not set: recordings can only come from webhook links that download without credentials")
	}
	return NewRecordingSender(RecordingOptions{
		TQM: c.cfg.TQM, VPBX: vc, Index: c.store, Audio: c.cfg.Audio, Lang: c.cfg.Lang, Now: c.cfg.Now,
		OnIncident: c.incident,
		OnMono:     func(m string) { c.incident("mono_recording", true, m) },
		Wake: func() {
			if c.worker != nil {
				c.worker.Wake()
			}
		},
		Logger: c.log.With("part", "recordings"),
	}), false
}
