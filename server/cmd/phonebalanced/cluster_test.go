package main

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/api"
)

// Three processes on three loopback addresses (127.0.0.1, .2, .3: another
// host each, as far as HTTP clients go) form a cluster: the first
// bootstraps it, the second joins through it, the third through the
// second, a follower, which forwards the join to the leader with its
// token. Writes sent to a follower with Go's http.Client (which drops
// Authorization on a redirect to another host) reach the leader through
// the follower. Then the first node dies and the second is restarted with
// its usual command line, whose -join names the dead node: it starts, says
// which voter does not answer and how to remove it, and with the third it
// elects a leader that has everything written before. A join of an
// address nobody answers at is refused; the dead node is removed.
func TestClusterSurvivesLeaderKill(t *testing.T) {
	base := t.TempDir()
	node := func(name, host string, extra ...string) (*child, []string) {
		args := append([]string{"-data", filepath.Join(base, name), "-http", host + ":0", "-raft", host + ":0"}, extra...)
		return startChild(t, args...), args
	}
	n1, _ := node("n1", "127.0.0.1")
	eventually(t, 30*time.Second, "n1 leads", func() bool {
		var cl api.ClusterBody
		code, body := request(n1.addr, "GET", "/v1/cluster", "")
		return code == http.StatusOK && decodeInto(body, &cl) && cl.IsLeader
	})
	n2, _ := node("n2", "127.0.0.2", "-join", n1.addr)
	n3, _ := node("n3", "127.0.0.3", "-join", n2.addr) // through a follower on another address
	nodes := []*child{n1, n2, n3}
	eventually(t, 30*time.Second, "n3 knows the three members", func() bool {
		var cl api.ClusterBody
		code, body := request(n3.addr, "GET", "/v1/cluster", "")
		return code == http.StatusOK && decodeInto(body, &cl) && len(cl.Members) == 3
	})

	// Writes through a follower reach the leader, token and body intact.
	leader := findLeader(t, nodes)
	var followers []*child
	for _, n := range nodes {
		if n != leader {
			followers = append(followers, n)
		}
	}
	must(t, followers[0].addr, "POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	for _, id := range []string{"ana", "ben"} {
		must(t, followers[1].addr, "POST", "/v1/workspaces/default/teammates", `{"id":"`+id+`","name":"`+id+`"}`, http.StatusCreated, nil)
		must(t, followers[1].addr, "POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"`+id+`"}`, http.StatusCreated, nil)
	}
	// Every node applies the log: a follower reads it locally.
	for _, n := range nodes {
		eventually(t, 30*time.Second, "the team reaches "+n.addr, func() bool {
			var team api.Team
			code, body := request(n.addr, "GET", "/v1/workspaces/default/teams/support", "")
			return code == http.StatusOK && decodeInto(body, &team) && len(team.OfferOrder) == 2
		})
	}
	// A client cannot pass for a node: its forwarded mark is replaced,
	// and the follower forwards the write once.
	req, _ := http.NewRequest("POST", "http://"+followers[0].addr+"/v1/workspaces/default/teams", strings.NewReader(`{"id":"sales"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set(api.ForwardedHeader, "forged")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a write with a forged mark through a follower: %d", resp.StatusCode)
	}

	// n1 dies; n2 is restarted with its usual command line, -join n1
	// included, on its HTTP and raft addresses.
	n1.kill()
	var c2 api.ClusterBody
	must(t, n2.addr, "GET", "/v1/cluster", "", http.StatusOK, &c2)
	if err := n2.stop(); err != nil {
		t.Fatalf("n2: %v\n%s", err, n2.stderr())
	}
	n2 = startChild(t, "-data", filepath.Join(base, "n2"), "-http", c2.ID, "-raft", c2.RaftAddr, "-join", n1.addr)
	if log := n2.stderr(); !strings.Contains(log, "-join skipped") || !strings.Contains(log, `remove_with="curl`) ||
		!strings.Contains(log, n1.addr) {
		t.Fatalf("n2's log after the restart does not say that it skipped -join and how to remove %s:\n%s", n1.addr, log)
	}
	alive := []*child{n2, n3}
	// A new leader is elected; a write through either survivor succeeds
	// (retried while the election runs: 503).
	eventually(t, 60*time.Second, "a write after n1's death", func() bool {
		code, _ := request(alive[0].addr, "POST", "/v1/workspaces/default/teammates", `{"id":"cleo","name":"Cleo"}`)
		return code == http.StatusCreated || code == http.StatusConflict
	})
	must(t, alive[1].addr, "POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"cleo"}`, http.StatusCreated, nil)
	var call struct {
		Ringing string `json:"ringing"`
	}
	must(t, alive[1].addr, "POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	newLeader := findLeader(t, alive)
	must(t, newLeader.addr, "GET", "/v1/workspaces/default/calls/call-1", "", http.StatusOK, &call)
	if call.Ringing == "" {
		t.Fatal("call-1 rings nobody after the failover")
	}
	var team api.Team
	must(t, newLeader.addr, "GET", "/v1/workspaces/default/teams/support", "", http.StatusOK, &team)
	// The ringing teammate is out of the offer order; the two others,
	// Cleo among the three, are in it.
	members := append(toStrings(team.OfferOrder), call.Ringing)
	if len(team.OfferOrder) != 2 || !slices.Contains(members, "cleo") || slices.Contains(toStrings(team.OfferOrder), call.Ringing) {
		t.Fatalf("team after failover: %+v (call-1 rings %s)", team, call.Ringing)
	}
	metrics := must(t, newLeader.addr, "GET", "/metrics", "", http.StatusOK, nil)
	if !strings.Contains(metrics, `phonebalance_calls_in_queue{team="support",workspace="default"} 1`) {
		t.Fatalf("/metrics on the new leader:\n%s", metrics)
	}

	// A join of an address where no node answers is refused and changes
	// nothing; the dead node is removed through a follower.
	// Only the admin token changes the membership: the host token, which a
	// telephony webhook holds, is refused.
	must(t, alive[0].addr, "POST", "/v1/cluster/join", `{"id":"127.0.0.4:1","raft_addr":"127.0.0.4:1"}`, http.StatusForbidden, nil)
	must(t, alive[1].addr, "POST", "/v1/cluster/remove", `{"id":"`+n1.addr+`"}`, http.StatusForbidden, nil)
	mustAs(t, testAdminToken, alive[0].addr, "POST", "/v1/cluster/join", `{"id":"127.0.0.4:1","raft_addr":"`+n1.raftAddr(t, c2)+`"}`, http.StatusBadRequest, nil)
	mustAs(t, testAdminToken, alive[1].addr, "POST", "/v1/cluster/remove", `{"id":"`+n1.addr+`"}`, http.StatusOK, nil)
	eventually(t, 30*time.Second, "two members", func() bool {
		var cl api.ClusterBody
		code, body := request(alive[0].addr, "GET", "/v1/cluster", "")
		return code == http.StatusOK && decodeInto(body, &cl) && len(cl.Members) == 2
	})
	for _, n := range alive {
		if err := n.stop(); err != nil {
			t.Fatalf("%s: %v\n%s", n.addr, err, n.stderr())
		}
	}
}

// raftAddr returns c's raft address as cl lists it.
func (c *child) raftAddr(t *testing.T, cl api.ClusterBody) string {
	t.Helper()
	for _, m := range cl.Members {
		if m.ID == c.addr {
			return m.RaftAddr
		}
	}
	t.Fatalf("%s is not among %+v", c.addr, cl.Members)
	return ""
}

// One authenticated POST /v1/cluster/join used to add an unreachable voter
// to a standalone server, and every write then failed for good: it is
// refused, and the server keeps working, also after a restart.
func TestStandaloneRefusesJoin(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-data", dir, "-http", "127.0.0.1:0"}
	c := startChild(t, args...)
	must(t, c.addr, "POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	body := mustAs(t, testAdminToken, c.addr, "POST", "/v1/cluster/join", `{"id":"127.0.0.2:8080","raft_addr":"127.0.0.2:7000"}`, http.StatusBadRequest, nil)
	if !strings.Contains(body, "-raft") {
		t.Fatalf("the refusal does not say why: %s", body)
	}
	must(t, c.addr, "POST", "/v1/workspaces/default/teams", `{"id":"sales","name":"Sales"}`, http.StatusCreated, nil)
	if err := c.stop(); err != nil {
		t.Fatal(err)
	}
	c = startChild(t, args...)
	must(t, c.addr, "POST", "/v1/workspaces/default/teams", `{"id":"billing","name":"Billing"}`, http.StatusCreated, nil)
	if err := c.stop(); err != nil {
		t.Fatal(err)
	}
}

// findLeader asks each node which of them leads, until one says it does.
func findLeader(t *testing.T, nodes []*child) *child {
	t.Helper()
	var leader *child
	eventually(t, 60*time.Second, "a leader", func() bool {
		for _, n := range nodes {
			var cl api.ClusterBody
			code, body := request(n.addr, "GET", "/v1/cluster", "")
			if code == http.StatusOK && decodeInto(body, &cl) && cl.IsLeader {
				leader = n
				return true
			}
		}
		return false
	})
	return leader
}
