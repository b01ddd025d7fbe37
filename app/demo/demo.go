// Package demo owns demo mode: a bridge in its own data folder that sends to
// a built-in sandbox TQM on loopback, receives on a local address, needs no
// secret, and simulates Mango calls through the real receiver and delivery
// path — including the ones that go wrong.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mangotqm/app/clock"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"mangotqm/app/bridge"
	"mangotqm/app/config"
	"mangotqm/app/secrets"
	"mangotqm/app/tqm/sandbox"
)

// sandboxKey is the sandbox TQM's access key; it guards nothing real.
const sandboxKey = "demo-sandbox-key"

// Demo is a bridge in demo mode and its sandbox TQM.
type Demo struct {
	*bridge.Bridge
	tqm   *sandbox.Server
	clock clock.Clock // the bridge's: simulated calls end "now"
}

// Open builds a demo bridge in dataDir; Start runs it like any bridge.
func Open(ctx context.Context, dataDir string, log *slog.Logger) (*Demo, error) {
	tqm := sandbox.New(sandboxKey)
	clk := clock.Real{}
	b, err := bridge.Open(ctx, bridge.Options{
		Clock:   clk,
		DataDir: dataDir,
		Secrets: secrets.NewMemory(map[secrets.Name]string{secrets.TQMKey: sandboxKey}),
		Tunnel:  bridge.TunnelNone,
		Listen:  "127.0.0.1:0",
		Override: func(c *config.Config) error {
			c.TQMURL, c.Audio = tqm.URL(), config.AudioPassthrough
			return nil
		},
		Sender: bridge.NewTQMSender(bridge.TQMOptions{BaseURL: tqm.URL(), API: string(config.TQMv2),
			Key: func(context.Context) (string, error) { return sandboxKey, nil }, Logger: log}),
		Logger:   log,
		Demo:     true,
		Schedule: Schedule,
	})
	if err != nil {
		tqm.Close()
		return nil, err
	}
	b.OnClose(tqm.Close)
	return &Demo{Bridge: b, tqm: tqm, clock: clk}, nil
}

// TQMURL is the sandbox TQM's address.
func (d *Demo) TQMURL() string { return d.tqm.URL() }

var groups = []string{"Отдел продаж", "Поддержка", "Бухгалтерия"}

// Simulate sends one realistic calltracking "call end" webhook to this
// bridge's own receiver and returns the stored call's row.
func (d *Demo) Simulate(ctx context.Context) (int64, error) {
	return d.send(ctx, realistic(d.clock.Now()))
}

// realistic is a calltracking "call end" webhook as Mango sends it.
func realistic(now time.Time) url.Values {
	talk := time.Duration(20+rand.IntN(400)) * time.Second
	id := fmt.Sprintf("DEMO-%d", now.UnixNano()%1e12)
	q := url.Values{}
	q.Set("callId", id)
	q.Set("dateStart", now.Add(-talk-5*time.Second).UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("dateEnd", now.Add(-time.Second).UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("callerNumber", fmt.Sprintf("7495%07d", rand.IntN(10_000_000)))
	q.Set("lastGroup", groups[rand.IntN(len(groups))])
	q.Set("recordUrl", "https://records.demo.invalid/"+id+".mp3")
	q.Set("duration", fmt.Sprint(int(talk.Seconds())))
	q.Set("callType", "1")
	q.Set("callStatus", "1110")
	q.Set("utm_source", "yandex")
	return q
}

// send posts one webhook to the receiver and returns the stored row.
func (d *Demo) send(ctx context.Context, q url.Values) (int64, error) {
	eps := d.Endpoints()
	if len(eps) == 0 {
		return 0, errors.New("the receiver is not running yet")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, eps[0].URL+"?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("simulate call: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("simulate call: the receiver answered %d", resp.StatusCode)
	}
	var ack struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &ack); err != nil {
		return 0, fmt.Errorf("simulate call: %w", err)
	}
	return ack.ID, nil
}
