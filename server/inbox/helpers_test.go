package inbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/inbox"
	"github.com/phonebalance/phonebalance/server/telephony"
)

const token = "test-token-0123456789abcdef"

type nopTelephony struct{}

func (nopTelephony) Execute(context.Context, telephony.Effect) error { return nil }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is one in-memory node with the API and the inbox mounted as the
// server mounts them, on a loopback httptest server, with a Support team
// of ana and ben (Active on All, client closed) and passwords for both.
type env struct {
	t   *testing.T
	rt  *core.Runtime
	ib  *inbox.Server
	ts  *httptest.Server
	url string
}

const password = "correct horse battery"

func newEnv(t *testing.T, ecfg *assign.Config, icfg inbox.Config) *env {
	t.Helper()
	return newEnvTelephony(t, ecfg, icfg, nopTelephony{})
}

// newEnvTelephony is newEnv with tel as the telephony side; nil holds
// the effects until rt.SetTelephony.
func newEnvTelephony(t *testing.T, ecfg *assign.Config, icfg inbox.Config, tel telephony.Telephony) *env {
	t.Helper()
	cfg := assign.DefaultConfig()
	if ecfg != nil {
		cfg = *ecfg
	}
	rt, err := core.Open(core.Config{InMemory: true, Engine: cfg, Telephony: tel, Logger: quiet(),
		TuneRaft: func(c *raft.Config) {
			c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 100*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	icfg.Runtime, icfg.Meta, icfg.Logger = rt, rt.Node(), quiet()
	ib, err := inbox.New(icfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ib.Close() })
	srv, err := api.New(api.Config{Runtime: rt, Token: token, Logger: quiet(), Extra: ib.Protected(), Public: ib.Public(nil)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	e := &env{t: t, rt: rt, ib: ib, ts: ts, url: ts.URL}
	deadline := time.Now().Add(10 * time.Second)
	for !rt.Node().IsLeader() {
		if time.Now().After(deadline) {
			t.Fatal("the node never led")
		}
		time.Sleep(10 * time.Millisecond) // polling a real raft election, bounded
	}
	e.do(assign.Command{Op: assign.OpAddTeam, Team: "support", Name: "Support"})
	for _, tm := range []pb.TeammateID{"ana", "ben"} {
		e.do(assign.Command{Op: assign.OpAddTeammate, Teammate: tm, Name: strings.ToUpper(string(tm[:1])) + string(tm[1:]),
			Presence: presence.State{Channel: presence.ChannelAll, Status: presence.Active}})
		e.do(assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: tm})
		if st, body := e.host("PUT", "/v1/workspaces/default/teammates/"+string(tm)+"/credential",
			`{"password":"`+password+`","role":"teammate"}`); st != 200 {
			t.Fatalf("setting %s's credential: %d %s", tm, st, body)
		}
	}
	return e
}

func (e *env) do(cmd assign.Command) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.rt.Default().Do(ctx, cmd); err != nil {
		e.t.Fatalf("%v: %v", cmd.Op, err)
	}
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// host sends a request with the host token.
func (e *env) host(method, path, body string) (int, string) {
	e.t.Helper()
	return send(e.t, httpClient, method, e.url+path, body, map[string]string{"Authorization": "Bearer " + token})
}

func send(t *testing.T, c *http.Client, method, u, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// session is a browser-like client signed in as one teammate.
type session struct {
	t  *testing.T
	e  *env
	c  *http.Client
	id string
}

// signIn signs id in through POST /login, with no workspace field (as
// the form before workspaces), and returns its client.
func (e *env) signIn(id, pw string) (*session, int) {
	e.t.Helper()
	return e.signInTo("", id, pw)
}

// signInTo signs id of workspace ws in through POST /login (the form's
// workspace field; none when ws is empty) and returns its client.
func (e *env) signInTo(ws, id, pw string) (*session, int) {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"teammate": {id}, "password": {pw}}
	if ws != "" {
		form.Set("workspace", ws)
	}
	resp, err := c.PostForm(e.url+"/login", form)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return &session{t: e.t, e: e, c: c, id: id}, resp.StatusCode
}

func (s *session) send(method, path, body string) (int, string) {
	s.t.Helper()
	return send(s.t, s.c, method, s.e.url+path, body, nil)
}

// teammate reads a teammate's state from the engine.
func (e *env) teammate(id pb.TeammateID) assign.TeammateView {
	var v assign.TeammateView
	_, _ = e.rt.Default().View(func(en *assign.Engine) { v, _ = en.Teammate(id) })
	return v
}

// waitUntil polls cond (the state of a real server) until it holds, for
// at most 10 s.
func (e *env) waitUntil(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling a real server, bounded
	}
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

// stream is an open live connection: a tab.
type stream struct {
	tab    string
	cancel context.CancelFunc
	done   chan struct{}
}

// openStream opens sess's live stream (visible or not) and waits for its
// hello; the stream closes at the test's end or with close.
func openStream(t *testing.T, s *session, visible bool) *stream {
	t.Helper()
	v := "1"
	if !visible {
		v = "0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.e.url+"/inbox/api/teammates/"+s.id+"/events?visible="+v, nil)
	c := &http.Client{Jar: s.c.Jar} // no timeout: the stream lives until cancelled
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		cancel()
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	st := &stream{cancel: cancel, done: make(chan struct{})}
	hello := make(chan string, 1)
	go func() {
		defer close(st.done)
		defer resp.Body.Close()
		buf := make([]byte, 4096)
		var acc string
		said := false
		for {
			n, err := resp.Body.Read(buf)
			acc += string(buf[:n])
			if i := strings.Index(acc, `{"tab":"`); i >= 0 && !said {
				rest := acc[i+8:]
				if j := strings.IndexByte(rest, '"'); j >= 0 {
					hello <- rest[:j]
					said = true
				}
			}
			if len(acc) > 1<<16 {
				acc = ""
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case st.tab = <-hello:
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("no hello on the stream")
	}
	t.Cleanup(st.close)
	return st
}

// close closes the tab's connection and waits for the reader to stop.
func (s *stream) close() {
	s.cancel()
	<-s.done
}
