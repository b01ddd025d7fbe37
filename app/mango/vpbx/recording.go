package vpbx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

type recordingRequest struct {
	RecordingID string `json:"recording_id"`
	Action      string `json:"action"`
}

// Recording downloads one recording: POST queries/recording/post with
// action "download", which answers 302 to a temporary one-time link; the
// link is fetched at once with a plain GET carrying no credentials, and is
// never logged, returned or stored. The caller must close the body. size is
// -1 when unknown. A JSON answer instead of the redirect gives a
// *RecordingError (ErrRecordingNotReady for 3320 — which, being 3xxx, also
// pauses the client, see RetryAt — or ErrRecordingNotFound).
func (c *Client) Recording(ctx context.Context, recordingID string) (body io.ReadCloser, contentType string, size int64, err error) {
	if recordingID == "" {
		return nil, "", 0, fmt.Errorf("vpbx: recording: empty id")
	}
	a, err := c.post(ctx, "queries/recording/post", recordingRequest{RecordingID: recordingID, Action: "download"})
	if err != nil {
		if ae, ok := asAPIError(err); ok && ae.Code != 0 {
			re := &RecordingError{Code: ae.Code, Message: ae.Message, RetryAt: c.now()}
			if lo := c.LockedOut(); lo != nil {
				re.RetryAt = lo.Until
			}
			return nil, "", 0, re
		}
		return nil, "", 0, err
	}
	switch a.status {
	case http.StatusFound, http.StatusMovedPermanently, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, "", 0, &APIError{Path: "queries/recording/post", HTTPStatus: a.status, Code: a.result, Message: "expected a redirect to the recording"}
	}
	if a.location == "" {
		return nil, "", 0, &APIError{Path: "queries/recording/post", HTTPStatus: a.status, Message: "redirect without Location"}
	}
	link, err := a.reqURL.Parse(a.location)
	if err != nil || (link.Scheme != "https" && link.Scheme != "http") {
		return nil, "", 0, fmt.Errorf("%w: bad redirect target", ErrDownload)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link.String(), nil)
	if err != nil {
		return nil, "", 0, fmt.Errorf("%w: %w", ErrDownload, scrub(err))
	}
	resp, err := c.dl.Do(req)
	if err != nil {
		return nil, "", 0, fmt.Errorf("%w: %w", ErrDownload, scrub(err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", 0, fmt.Errorf("%w: HTTP %d", ErrDownload, resp.StatusCode)
	}
	c.log().Debug("vpbx recording download started", "recording_id", recordingID, "content_type", resp.Header.Get("Content-Type"), "size", resp.ContentLength)
	return resp.Body, resp.Header.Get("Content-Type"), resp.ContentLength, nil
}

// scrub drops the URL from a transport error: the one-time link must not
// end up in logs.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
