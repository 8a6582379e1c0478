package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/telephony"
)

const token = "test-token-0123456789abcdef"

// fakeTelephony records every effect as a line ("ring call-1 ana") and
// can refuse to ring some teammates.
type fakeTelephony struct {
	mu     sync.Mutex
	notify chan string
	fail   map[pb.TeammateID]error
}

func newFakeTelephony() *fakeTelephony {
	return &fakeTelephony{notify: make(chan string, 1<<16), fail: map[pb.TeammateID]error{}}
}

func (f *fakeTelephony) record(s string) error {
	select {
	case f.notify <- s:
	default: // a load test does not read them
	}
	return nil
}

// Execute records the effect and fails the rings of the teammates in fail.
func (f *fakeTelephony) Execute(_ context.Context, ef telephony.Effect) error {
	call, tm := ef.Call, ef.Teammate
	switch ef.Kind {
	case assign.StopRinging:
		return f.record(fmt.Sprintf("stop_ringing %s %s", call, tm))
	case assign.Deflect:
		return f.record(fmt.Sprintf("deflect %s %s %s", call, ef.Team, ef.Deflection))
	case assign.ReassignReplies:
		return f.record(fmt.Sprintf("reassign_replies %s", tm))
	}
	auto := ef.AutoAnswer
	f.mu.Lock()
	err := f.fail[tm]
	f.mu.Unlock()
	line := fmt.Sprintf("ring %s %s", call, tm)
	if auto {
		line += " auto"
	}
	if err != nil {
		line += " failed"
	}
	_ = f.record(line)
	return err
}

// waitFor waits until the effect is executed.
func (f *fakeTelephony) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-f.notify:
			if got == want {
				return
			}
		case <-timeout:
			t.Fatalf("telephony never saw %q", want)
		}
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fastRaft(c *raft.Config) {
	c.HeartbeatTimeout = 100 * time.Millisecond
	c.ElectionTimeout = 100 * time.Millisecond
	c.LeaderLeaseTimeout = 50 * time.Millisecond
}

// env is one in-memory node behind the API on a loopback httptest server.
type env struct {
	t   *testing.T
	rt  *core.Runtime
	tel *fakeTelephony
	srv *api.Server
	ts  *httptest.Server
	c   client
}

// newEnv starts a node with engine config ecfg (nil: defaults) and the
// API configured by acfg (Runtime and Token filled in), and waits until
// the node leads.
func newEnv(t *testing.T, ecfg *assign.Config, acfg api.Config) *env {
	t.Helper()
	tel := newFakeTelephony()
	e := newEnvWith(t, tel, ecfg, acfg)
	e.tel = tel
	return e
}

// newEnvWith is newEnv with the given telephony, and raft tuned further
// by tune.
func newEnvWith(t *testing.T, tel telephony.Telephony, ecfg *assign.Config, acfg api.Config, tune ...func(*raft.Config)) *env {
	t.Helper()
	e := &env{t: t}
	cfg := assign.DefaultConfig()
	if ecfg != nil {
		cfg = *ecfg
	}
	rt, err := core.Open(core.Config{InMemory: true, Engine: cfg, Telephony: tel, Logger: quiet(),
		TuneRaft: func(c *raft.Config) {
			fastRaft(c)
			for _, f := range tune {
				f(c)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	e.rt = rt
	acfg.Runtime, acfg.Token, acfg.Logger = rt, token, quiet()
	if e.srv, err = api.New(acfg); err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	e.c = client{t: t, base: e.ts.URL, token: token}
	waitLeader(t, rt)
	return e
}

// waitLeader waits until the one node has elected itself.
func waitLeader(t *testing.T, rt *core.Runtime) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !rt.Node().IsLeader() {
		select {
		case <-ctx.Done():
			t.Fatal("the node never led")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// httpClient bounds every test request, so a hung server fails the test
// instead of stalling it.
var httpClient = &http.Client{Timeout: 30 * time.Second}

// client sends requests to a test server over HTTP.
type client struct {
	t     *testing.T
	base  string
	token string
}

// raw sends a request with the given headers and returns the status and
// body.
func (c client) raw(method, path, body string, header map[string]string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// try sends an authenticated request and returns the status and body.
func (c client) try(method, path, body string) (int, string) {
	c.t.Helper()
	return c.raw(method, path, body, map[string]string{"Authorization": "Bearer " + c.token,
		"Content-Type": "application/json"})
}

// do is try expecting status want, decoding the body into out (if set).
func (c client) do(method, path, body string, want int, out any) string {
	c.t.Helper()
	code, b := c.try(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s %s: status %d, want %d; body %s", method, path, body, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return b
}

// seed adds team "support" with ana and ben, both available.
func (e *env) seed() {
	e.t.Helper()
	e.c.do("POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	for _, id := range []string{"ana", "ben"} {
		e.c.do("POST", "/v1/workspaces/default/teammates", `{"id":"`+id+`","name":"`+strings.ToUpper(id[:1])+id[1:]+`"}`, http.StatusCreated, nil)
		e.c.do("POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"`+id+`"}`, http.StatusCreated, nil)
	}
}

func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func kinds(evs []httpedge.Event) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.Kind.String())
	}
	return out
}

func toStrings[T ~string](s []T) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

// ringOf returns the teammate the command's result rings, if any.
func ringOf(res api.Result) string {
	for _, ef := range res.Effects {
		if ef.Kind == "ring" {
			return string(ef.Teammate)
		}
	}
	return ""
}
