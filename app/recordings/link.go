package recordings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// linkError says why a recording link gave no audio; transient when the
// link could not be reached (no answer, timeout, 5xx, 429, 408) rather
// than refused or not audio. It never contains the link.
type linkError struct {
	why       string
	transient bool
}

// fetch downloads a webhook recording link without credentials. why is
// nil when data is audio.
func (s *Sender) fetch(ctx context.Context, link string) (data []byte, why *linkError) {
	resp, why := s.get(ctx, link, false)
	if why != nil {
		return nil, why
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxWAVSize+1))
	if err != nil {
		return nil, &linkError{"download cut short: " + scrub(err).Error(), true}
	}
	if Sniff(data) == "" {
		return nil, &linkError{why: "the link does not give an MP3 or WAV file (" + contentType(resp) + ")"}
	}
	return data, nil
}

// probe checks that a link gives audio without credentials, reading only
// its first bytes.
func (s *Sender) probe(ctx context.Context, link string) (why *linkError) {
	resp, why := s.get(ctx, link, true)
	if why != nil {
		return why
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	if Sniff(head) == "" {
		return &linkError{why: "the link does not give an MP3 or WAV file (" + contentType(resp) + ")"}
	}
	return nil
}

func (s *Sender) get(ctx context.Context, link string, head bool) (*http.Response, *linkError) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &linkError{why: "not an http(s) link"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &linkError{why: "bad link"}
	}
	req.Header.Set("User-Agent", "mangotqm")
	if head {
		req.Header.Set("Range", "bytes=0-63")
	}
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return nil, &linkError{"no answer from the recording's server: " + scrub(err).Error(), true}
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		_ = resp.Body.Close()
		c := resp.StatusCode
		return nil, &linkError{fmt.Sprintf("the recording's server answered HTTP %d", c),
			c >= 500 || c == http.StatusTooManyRequests || c == http.StatusRequestTimeout}
	}
	return resp, nil
}

func contentType(r *http.Response) string {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}

// scrub drops URLs from transport errors (links may be one-time or signed).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
