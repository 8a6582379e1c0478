package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
)

// clusterNode is one node of an in-process cluster: raft over TCP and the
// API on the same loopback host, its HTTP address its raft ID.
type clusterNode struct {
	rt  *core.Runtime
	ts  *httptest.Server
	url string
}

// startClusterNode opens a node on host whose API uses acfg.
func startClusterNode(t *testing.T, host string, bootstrap bool, acfg api.Config) *clusterNode {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := core.Open(core.Config{Dir: t.TempDir(), NodeID: ln.Addr().String(), RaftAddr: host + ":0",
		Bootstrap: bootstrap, Engine: assign.DefaultConfig(), Logger: quiet(), TuneRaft: func(c *raft.Config) {
			fastRaft(c)
			c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = 400*time.Millisecond, 400*time.Millisecond, 400*time.Millisecond
		}})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	acfg.Runtime, acfg.Token, acfg.Logger = rt, token, quiet()
	srv, err := api.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return &clusterNode{rt: rt, ts: ts, url: ts.URL}
}

// capture is a stand-in leader that records what reaches it.
type capture struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

// seen returns the requests and bodies received so far.
func (c *capture) seen() ([]*http.Request, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reqs, c.body
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.reqs = append(c.reqs, r.Clone(context.Background()))
	c.body = append(c.body, string(b))
	c.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// A follower forwards a write to the leader's HTTP API as it came:
// method, path, query, body, token, Host, plus a mark only nodes can
// make; the leader's answer comes back. A request carrying that mark is
// not forwarded again (no loops): the follower answers 503 not_leader
// naming the leader. A leader that cannot be reached is a 503 not_leader
// naming it, which a client can act on.
func TestFollowerForwardsWritesOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leader := startClusterNode(t, "127.0.0.1", true, api.Config{RatePerIP: 0.001, RateBurst: 1})
	waitLeader(t, leader.rt)
	var stand capture
	fake := httptest.NewServer(&stand)
	defer fake.Close()
	var mu sync.Mutex
	leaderURL := fake.URL
	follower := startClusterNode(t, "127.0.0.2", false, api.Config{LeaderURL: func(string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		return leaderURL, true
	}})
	n := follower.rt.Node()
	if err := leader.rt.Node().Join(ctx, n.ID(), n.Addr()); err != nil {
		t.Fatal(err)
	}
	for id, _ := n.Leader(); id == ""; id, _ = n.Leader() {
		select {
		case <-ctx.Done():
			t.Fatal("the follower never learned the leader")
		case <-time.After(10 * time.Millisecond):
		}
	}

	send := func(mark string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", follower.url+"/v1/workspaces/default/teams?x=1", strings.NewReader(`{"id":"support"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		if mark != "" {
			req.Header.Set(api.ForwardedHeader, mark)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := send("forged")
	resp.Body.Close()
	reqs, bodies := stand.seen()
	if resp.StatusCode != http.StatusAccepted || len(reqs) != 1 {
		t.Fatalf("forwarded write: %d, %d requests reached the leader", resp.StatusCode, len(reqs))
	}
	got := reqs[0]
	host := strings.TrimPrefix(follower.url, "http://")
	if got.Method != "POST" || got.URL.RequestURI() != "/v1/workspaces/default/teams?x=1" || bodies[0] != `{"id":"support"}` ||
		got.Header.Get("Authorization") != "Bearer "+token || got.Host != host {
		t.Fatalf("the leader got %s %s %q, Authorization %q, Host %q", got.Method, got.URL.RequestURI(), bodies[0],
			got.Header.Get("Authorization"), got.Host)
	}
	mark := got.Header.Get(api.ForwardedHeader)
	if mark == "" || mark == "forged" {
		t.Fatalf("forwarded mark %q", mark)
	}

	// The leader does not count forwarded requests against the
	// follower's address (the follower limited its clients already); a
	// client's own requests are limited.
	for i, m := range []string{mark, mark, mark, "", ""} {
		req, _ := http.NewRequest("GET", leader.url+"/v1/cluster", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if m != "" {
			req.Header.Set(api.ForwardedHeader, m)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := []int{200, 200, 200, 200, 429}[i]; resp.StatusCode != want {
			t.Fatalf("request %d to a rate-limited leader: %d, want %d", i, resp.StatusCode, want)
		}
	}

	// A second hop: not forwarded; the follower says who leads.
	resp = send(mark)
	var eb api.ErrorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	resp.Body.Close()
	if reqs, _ := stand.seen(); resp.StatusCode != http.StatusServiceUnavailable || eb.Code != "not_leader" ||
		!strings.Contains(eb.Error, fake.URL) || len(reqs) != 1 {
		t.Fatalf("a forwarded write at a follower: %d %+v, %d requests reached the leader", resp.StatusCode, eb, len(reqs))
	}
	if strings.Count(eb.Error, "may still commit") > 1 {
		t.Fatalf("the message repeats itself: %s", eb.Error)
	}

	// The leader cannot be reached.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	mu.Lock()
	leaderURL = dead
	mu.Unlock()
	resp = send("")
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || eb.Code != "not_leader" || !strings.Contains(eb.Error, dead) ||
		resp.Header.Get("Retry-After") == "" {
		t.Fatalf("an unreachable leader: %d %+v", resp.StatusCode, eb)
	}
}
