package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"mangotqm/app/secrets"
	"mangotqm/app/tqm/tqmfake"
	"mangotqm/tunnel"
)

// demoKey is the sandbox TQM's access key; it guards nothing real.
const demoKey = "demo-sandbox-key"

// NewDemo builds a core for demo mode: its own data directory, a built-in
// sandbox TQM on loopback (the same strict fake the tests use), a local
// listener and no real secrets. Simulate sends realistic Mango webhooks
// through the real receiver and delivery path.
func NewDemo(ctx context.Context, dataDir string, log *slog.Logger) (*Core, error) {
	sandbox := tqmfake.New(demoKey)
	sec := secrets.NewMemory(map[secrets.Name]string{secrets.TQMKey: demoKey})
	c, err := New(ctx, Config{
		DataDir: dataDir,
		Secrets: sec,
		Tunnel:  tunnel.NewNone("127.0.0.1:0", ""),
		Sender: NewTQMSender(TQMOptions{BaseURL: sandbox.URL(), API: "v2",
			Key: func(context.Context) (string, error) { return demoKey, nil }, Logger: log}),
		Audio:  AudioPassthrough,
		Logger: log,
		Demo:   true,
	})
	if err != nil {
		sandbox.Close()
		return nil, err
	}
	c.onClose = append(c.onClose, sandbox.Close)
	return c, nil
}

var demoGroups = []string{"Отдел продаж", "Поддержка", "Бухгалтерия"}

// Simulate sends one realistic calltracking "call end" webhook to this
// bridge's own public URL and returns the stored call's row.
func (c *Core) Simulate(ctx context.Context) (int64, error) {
	if !c.cfg.Demo {
		return 0, errors.New("simulated calls exist only in demo mode")
	}
	eps := c.Endpoints()
	if len(eps) == 0 {
		return 0, errors.New("the receiver is not running yet")
	}
	now := time.Now()
	talk := time.Duration(20+rand.IntN(400)) * time.Second
	id := fmt.Sprintf("DEMO-%d", now.UnixNano()%1e12)
	q := url.Values{}
	q.Set("callId", id)
	q.Set("dateStart", now.Add(-talk-5*time.Second).UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("dateEnd", now.Add(-time.Second).UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("callerNumber", fmt.Sprintf("7495%07d", rand.IntN(10_000_000)))
	q.Set("lastGroup", demoGroups[rand.IntN(len(demoGroups))])
	q.Set("recordUrl", "https://records.demo.invalid/"+id+".mp3")
	q.Set("duration", fmt.Sprint(int(talk.Seconds())))
	q.Set("callType", "1")
	q.Set("callStatus", "1110")
	q.Set("utm_source", "yandex")
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
