package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mangotqm/app/calls"
	"mangotqm/app/clock/clocktest"
	"mangotqm/app/tqm/sandbox"
	"mangotqm/store"
)

const tqmKey = "e2e-tqm-key-5f0c1d2e3a4b"

func secretsEnv() map[string]string {
	return map[string]string{
		"MANGOTQM_TQM_KEY":        tqmKey,
		"MANGOTQM_WEBHOOK_SECRET": "e2e0webhook0secret0a1b2c3d4e5f6a7b",
	}
}

// TestServeDeliversMappedCalls: Mango-style GET webhooks in, exactly the
// mapped parameters out at a strict fake TQM, the database says delivered.
func TestServeDeliversMappedCalls(t *testing.T) {
	for _, api := range []string{"v2", "v1"} {
		t.Run(api, func(t *testing.T) {
			fake := sandbox.New(tqmKey)
			defer fake.Close()
			dir := t.TempDir()
			p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), tqmAPI: api, env: secretsEnv(),
				extra: []string{"--rate", "50", "--audio", "passthrough"}})
			if !strings.Contains(p.url, "/mango/") || !strings.HasSuffix(p.url, "/calltracking") {
				t.Fatalf("webhook URL %q", p.url)
			}
			moscow, _ := time.LoadLocation("Europe/Moscow")
			end := time.Now().Add(-time.Minute).Truncate(time.Second)
			hooks := []webhook{newWebhook("MG-1001", end), newWebhook("MG-1002", end.Add(-time.Hour))}
			for _, h := range hooks {
				code, err := send(context.Background(), p.url, h)
				if err != nil || code != 200 {
					t.Fatalf("webhook %s: %d %v", h.callID, code, err)
				}
			}
			// The same call again: logged, never delivered twice.
			if code, _ := send(context.Background(), p.url, hooks[0]); code != 200 {
				t.Fatalf("duplicate answered %d", code)
			}
			clocktest.Within(t, 20*time.Second, "both calls at TQM", func() bool { return len(fake.Accepted()) >= 2 })
			for _, h := range hooks {
				got := fake.Find(h.callID)
				if len(got) != 1 {
					t.Fatalf("TQM received %s %d times, want once", h.callID, len(got))
				}
				want := map[string]string{
					"id": h.callID, "callDirection": "inbound",
					"startDate":   h.start.In(moscow).Format("2006-01-02T15:04:05"),
					"endDate":     h.end.In(moscow).Format("2006-01-02T15:04:05"),
					"hangupParty": "client", "operatorId": h.group, "operatorChannel": "left",
					"clientPhoneNumber": h.caller, "fileLink": h.record,
				}
				for k, v := range want {
					if got[0].Fields[k] != v {
						t.Errorf("%s: TQM got %s=%q, want %q", h.callID, k, got[0].Fields[k], v)
					}
				}
				for k := range got[0].Fields {
					if _, ok := want[k]; !ok && k != "apiVersion" {
						t.Errorf("%s: unexpected parameter %s=%q", h.callID, k, got[0].Fields[k])
					}
				}
			}
			// TQM's answers are recorded (under Wine the stop below ends
			// the process outright, which could come between TQM's answer
			// and its record: the call would be sent again at the next start,
			// as it must).
			clocktest.Within(t, 20*time.Second, "both calls delivered in the database", func() bool {
				n := 0
				for _, c := range listCalls(t, dir) {
					if c.Status == string(calls.StatusDelivered) {
						n++
					}
				}
				return n == 2
			})
			// Stopped, the bridge has finished whatever it had in flight: a
			// (wrong) second delivery would be at TQM now. No waiting on the
			// clock for something not to happen.
			p.stop(t)
			if n := len(fake.Find("MG-1001")); n != 1 {
				t.Fatalf("duplicate webhook delivered: TQM has MG-1001 %d times", n)
			}
			listed := listCalls(t, dir)
			statuses := map[string]int{}
			for _, c := range listed {
				statuses[c.Status]++
				if c.Status == string(calls.StatusDelivered) && c.CorrelationID == "" {
					t.Errorf("call %s delivered without an x-correlation-id", c.CallID)
				}
			}
			if statuses[string(calls.StatusDelivered)] != 2 || statuses[string(calls.StatusDuplicate)] != 1 {
				t.Fatalf("statuses %v, want 2 delivered and 1 duplicate", statuses)
			}
		})
	}
}

// TestOutageThenRecovery: TQM answers 503 for a while, then 200: every call
// is delivered and each failed try is recorded.
func TestOutageThenRecovery(t *testing.T) {
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	fake.SetOutage(503)
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: secretsEnv(),
		extra: []string{"--audio", "passthrough", "--rate", "100", "--retry-schedule", "100ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms"}})
	end := time.Now().Add(-time.Minute)
	for i := 0; i < 5; i++ {
		if code, err := send(context.Background(), p.url, newWebhook(fmt.Sprintf("OUT-%d", i), end)); err != nil || code != 200 {
			t.Fatalf("webhook: %d %v", code, err)
		}
	}
	clocktest.Within(t, 20*time.Second, "two failed tries per call", func() bool {
		for _, c := range listCalls(t, dir) {
			if c.Attempts < 2 || c.Status == string(calls.StatusDelivered) {
				return false
			}
		}
		return true
	})
	for _, c := range listCalls(t, dir) {
		if c.Status != string(calls.StatusRetrying) && c.Status != string(calls.StatusSending) {
			t.Fatalf("during the outage call %s is %q, want retrying", c.CallID, c.Status)
		}
	}
	fake.ClearOutage()
	clocktest.Within(t, 30*time.Second, "all delivered after the outage", func() bool {
		for _, c := range listCalls(t, dir) {
			if c.Status != string(calls.StatusDelivered) {
				return false
			}
		}
		return true
	})
	p.stop(t)
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	listed, _ := st.List(context.Background(), calls.Filter{})
	for _, c := range listed {
		atts, err := st.Attempts(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		n503 := 0
		for _, a := range atts {
			if a.HTTPStatus == 503 && a.Outcome == calls.OutcomeRetry {
				n503++
			}
		}
		last := atts[len(atts)-1]
		if n503 < 2 || last.HTTPStatus != 200 || last.Outcome != calls.OutcomeDelivered {
			t.Errorf("call %s attempts: %d×503 then %d/%s; want ≥2×503 then 200", c.CallID, n503, last.HTTPStatus, last.Outcome)
		}
	}
}

// TestCrashSafety kills the real binary at random moments while a few
// hundred unique calls arrive and TQM flaps (Jepsen "set" style): every
// call answered 200 must reach TQM; a duplicate at TQM is allowed only for
// a call the log marks "sent, outcome unknown"; the database stays intact.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const calls = 300
	const minKills = 5
	fake := sandbox.New(tqmKey)
	defer fake.Close()
	fake.SetFlaky(0.3, 42)
	fake.SetDelay(15 * time.Millisecond)
	dir := t.TempDir()
	listen := freePort(t)
	opts := serveOpts{dataDir: dir, listen: listen, tqmURL: fake.URL(), env: secretsEnv(),
		extra: []string{"--audio", "passthrough", "--rate", "200", "--retry-schedule", strings.TrimSuffix(strings.Repeat("50ms,", 30), ",")}}
	rng := rand.New(rand.NewSource(7))

	var mu sync.Mutex
	acked := map[string]bool{}
	pending := make([]webhook, 0, calls)
	end := time.Now().Add(-2 * time.Minute)
	for i := 0; i < calls; i++ {
		pending = append(pending, newWebhook(fmt.Sprintf("CR-%04d", i), end))
	}

	kills := 0
	for kills < minKills || len(pending) > 0 {
		if kills > 100 {
			t.Fatalf("still %d calls unacknowledged after %d restarts", len(pending), kills)
		}
		p := startServe(t, opts)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		work := make(chan webhook)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for h := range work {
					code, err := send(ctx, p.url, h)
					if err == nil && code == 200 {
						mu.Lock()
						acked[h.callID] = true
						mu.Unlock()
					}
				}
			}()
		}
		// Kill after a random time: mid-intake, between commit and answer,
		// mid-delivery.
		timer := time.After(time.Duration(150+rng.Intn(500)) * time.Millisecond)
	feed:
		for _, h := range pending {
			select {
			case work <- h:
			case <-timer:
				timer = nil
				break feed
			}
		}
		if timer != nil {
			<-timer
		}
		p.kill()
		kills++
		close(work)
		wg.Wait()
		cancel()
		mu.Lock()
		rest := pending[:0:0]
		for _, h := range pending {
			if !acked[h.callID] {
				rest = append(rest, h)
			}
		}
		pending = rest
		mu.Unlock()
		checkIntegrity(t, dir)
	}
	// A last, clean run delivers what the kills interrupted.
	p := startServe(t, opts)
	clocktest.Within(t, 120*time.Second, "every acknowledged call at TQM", func() bool {
		got := fake.AcceptedIDs()
		mu.Lock()
		defer mu.Unlock()
		for id := range acked {
			if got[id] == 0 {
				return false
			}
		}
		return true
	})
	p.stop(t)

	got := fake.AcceptedIDs() // id → times accepted
	var lost []string
	for id := range acked {
		if got[id] == 0 {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("%d acknowledged calls never reached TQM: %v", len(lost), lost)
	}
	unknown := map[string]bool{}
	for _, c := range listCalls(t, dir) {
		if c.OutcomeUnknown {
			unknown[c.CallID] = true
		}
	}
	dups := 0
	for id, n := range got {
		if n > 1 {
			dups++
			if !unknown[id] {
				t.Errorf("TQM received %s %d times but the log does not mark it 'sent, outcome unknown'", id, n)
			}
		}
	}
	checkIntegrity(t, dir)
	t.Logf("%d calls acknowledged, %d kills, %d duplicates at TQM (all marked outcome unknown), %d marked unknown",
		len(acked), kills, dups, len(unknown))
}

func checkIntegrity(t *testing.T, dir string) {
	t.Helper()
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer st.Close()
	res, err := st.IntegrityCheck(context.Background())
	if err != nil || res != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, %v", res, err)
	}
}

// TestSecretsNeverLeak runs the bridge with every secret set to a unique
// value and then searches the database files and the captured logs for them.
func TestSecretsNeverLeak(t *testing.T) {
	fake := sandbox.New("leak-test-tqm-key-8c7b6a59")
	defer fake.Close()
	env := map[string]string{
		"MANGOTQM_TQM_KEY":         "leak-test-tqm-key-8c7b6a59",
		"MANGOTQM_NGROK_AUTHTOKEN": "leak-test-ngrok-2b3c4d5e6f",
		"MANGOTQM_MANGO_VPBX_KEY":  "leak-test-vpbx-key-9a8b7c6d",
		"MANGOTQM_MANGO_VPBX_SALT": "leak-test-vpbx-salt-1f2e3d4c",
		"MANGOTQM_MANGO_CT_TOKEN":  "leak-test-ct-token-5a6b7c8d",
		"MANGOTQM_WEBHOOK_SECRET":  "leaktestwebhooksecret0123456789ab",
	}
	dir := t.TempDir()
	p := startServe(t, serveOpts{dataDir: dir, tqmURL: fake.URL(), env: env, extra: []string{"--log-level", "debug", "--audio", "passthrough"}})
	end := time.Now().Add(-time.Minute)
	send(context.Background(), p.url, newWebhook("LEAK-1", end))
	// A webhook that carries a secret-looking value, an invalid one, a wrong
	// secret, and a TQM that rejects the key: the paths that log the most.
	h := newWebhook("LEAK-2", end)
	send(context.Background(), p.url, h)
	send(context.Background(), strings.Replace(p.url, env["MANGOTQM_WEBHOOK_SECRET"], "wrongsecret0000000000000000000000", 1), h)
	send(context.Background(), p.url, webhook{callID: ""})
	clocktest.Within(t, 20*time.Second, "two calls delivered", func() bool { return len(fake.Accepted()) >= 2 })
	fake.SetKey("another-key")
	send(context.Background(), p.url, newWebhook("LEAK-3", end))
	clocktest.Within(t, 20*time.Second, "the key rejection logged", func() bool {
		return strings.Contains(p.stderr.String(), "rejected the access key")
	})
	p.stop(t)

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	haystacks := map[string]string{"stderr log": p.stderr.String()}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			haystacks[filepath.Base(f)] = string(b)
		}
	}
	if len(haystacks) < 2 {
		t.Fatalf("nothing to search: %v", files)
	}
	for name, v := range env {
		for where, text := range haystacks {
			if strings.Contains(text, v) {
				t.Errorf("secret %s found in %s", name, where)
			}
		}
	}
}

// TestServeNgrokWithoutTokenFailsFast: no authtoken → a plain message and a
// non-zero exit at once, without trying to reach ngrok.
func TestServeNgrokWithoutTokenFailsFast(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--data-dir", t.TempDir(), "--tunnel", "ngrok", "--secrets", "env")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MANGOTQM_TQM_KEY=" + tqmKey,
		"MANGOTQM_WEBHOOK_SECRET=e2e0webhook0secret0a1b2c3d4e5f6a7b"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("exit: %v, want a non-zero exit\n%s", err, stderr.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to fail", d)
	}
	for _, want := range []string{"authtoken", "MANGOTQM_NGROK_AUTHTOKEN"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not mention %q:\n%s", want, stderr.String())
		}
	}
}
