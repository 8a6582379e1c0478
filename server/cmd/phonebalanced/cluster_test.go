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

// Three processes form a cluster: the first bootstraps it, the others
// join through the HTTP API (one of them through a follower, which
// redirects to the leader). Writes sent to a follower are redirected to
// the leader; once the leader is killed, the two others elect a new one
// and the API keeps working through them, with everything written
// before.
func TestClusterSurvivesLeaderKill(t *testing.T) {
	base := t.TempDir()
	node := func(name string, extra ...string) *child {
		args := append([]string{"-data", filepath.Join(base, name), "-http", "127.0.0.1:0", "-raft", "127.0.0.1:0"}, extra...)
		return startChild(t, args...)
	}
	n1 := node("n1")
	eventually(t, 30*time.Second, "n1 leads", func() bool {
		var cl api.ClusterBody
		code, body := request(n1.addr, "GET", "/cluster", "")
		return code == http.StatusOK && decodeInto(body, &cl) && cl.IsLeader
	})
	n2 := node("n2", "-join", n1.addr)
	n3 := node("n3", "-join", n2.addr) // through a follower: redirected to n1
	nodes := []*child{n1, n2, n3}

	// Writes through a follower reach the leader (307, followed by the
	// client with the token: same host).
	must(t, n2.addr, "POST", "/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	for _, id := range []string{"ana", "ben"} {
		must(t, n3.addr, "POST", "/teammates", `{"id":"`+id+`","name":"`+id+`"}`, http.StatusCreated, nil)
		must(t, n3.addr, "POST", "/teams/support/members", `{"teammate":"`+id+`"}`, http.StatusCreated, nil)
	}
	// Every node applies the log: a follower reads it locally.
	for _, n := range nodes {
		eventually(t, 30*time.Second, "the team reaches "+n.addr, func() bool {
			var team api.Team
			code, body := request(n.addr, "GET", "/teams/support", "")
			return code == http.StatusOK && decodeInto(body, &team) && len(team.OfferOrder) == 2
		})
	}

	// The redirect itself: 307 to the same path on the leader.
	leader := findLeader(t, nodes)
	follower := n2
	if follower == leader {
		follower = n3
	}
	req, _ := http.NewRequest("POST", "http://"+follower.addr+"/teams", strings.NewReader(`{"id":"sales"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	noFollow := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != "http://"+leader.addr+"/teams" {
		t.Fatalf("a write to a follower: %d to %q; the leader is %s", resp.StatusCode, resp.Header.Get("Location"), leader.addr)
	}

	leader.kill()
	var alive []*child
	for _, n := range nodes {
		if n != leader {
			alive = append(alive, n)
		}
	}
	// A new leader is elected; a write through either survivor succeeds
	// (retried while the election runs: 503 or a redirect to the dead
	// leader).
	eventually(t, 60*time.Second, "a write after the leader's death", func() bool {
		code, _ := request(alive[0].addr, "POST", "/teammates", `{"id":"cleo","name":"Cleo"}`)
		return code == http.StatusCreated || code == http.StatusConflict
	})
	must(t, alive[1].addr, "POST", "/teams/support/members", `{"teammate":"cleo"}`, http.StatusCreated, nil)
	var call struct {
		Ringing string `json:"ringing"`
	}
	must(t, alive[1].addr, "POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, &call)
	if call.Ringing == "" {
		t.Fatal("call-1 rings nobody after the failover")
	}
	newLeader := findLeader(t, alive)
	var team api.Team
	must(t, newLeader.addr, "GET", "/teams/support", "", http.StatusOK, &team)
	// The ringing teammate is out of the offer order; the two others,
	// Cleo among the three, are in it.
	members := append(toStrings(team.OfferOrder), call.Ringing)
	if len(team.OfferOrder) != 2 || !slices.Contains(members, "cleo") || slices.Contains(toStrings(team.OfferOrder), call.Ringing) {
		t.Fatalf("team after failover: %+v (call-1 rings %s)", team, call.Ringing)
	}
	metrics := must(t, newLeader.addr, "GET", "/metrics", "", http.StatusOK, nil)
	if !strings.Contains(metrics, `phonebalance_calls_in_queue{team="support"} 1`) {
		t.Fatalf("/metrics on the new leader:\n%s", metrics)
	}
	for _, n := range alive {
		if err := n.stop(); err != nil {
			t.Fatalf("%s: %v\n%s", n.addr, err, n.stderr())
		}
	}
}

// findLeader asks each node which of them leads, until one says it does.
func findLeader(t *testing.T, nodes []*child) *child {
	t.Helper()
	var leader *child
	eventually(t, 60*time.Second, "a leader", func() bool {
		for _, n := range nodes {
			var cl api.ClusterBody
			code, body := request(n.addr, "GET", "/cluster", "")
			if code == http.StatusOK && decodeInto(body, &cl) && cl.IsLeader {
				leader = n
				return true
			}
		}
		return false
	})
	return leader
}
