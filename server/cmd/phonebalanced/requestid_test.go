package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/api"
)

// logHas reports whether the JSON log holds a record with every given
// attribute.
func logHas(log string, want map[string]string) bool {
	for _, line := range strings.Split(log, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		ok := true
		for k, v := range want {
			if s, _ := rec[k].(string); s != v {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// A request's ID (its X-Request-ID) is in the log lines of the effects of
// the command it caused: a call placed through a follower is forwarded to
// the leader with its ID, and the leader's telephony logs the ring with
// request_id; both nodes' access logs carry the same ID.
func TestRequestIDReachesTheEffectsLog(t *testing.T) {
	base := t.TempDir()
	n1 := startChild(t, "-data", filepath.Join(base, "n1"), "-http", "127.0.0.1:0", "-raft", "127.0.0.1:0",
		"-demo", "-demo-rate", "0", "-log-level", "debug", "-log-format", "json")
	findLeader(t, []*child{n1})
	n2 := startChild(t, "-data", filepath.Join(base, "n2"), "-http", "127.0.0.1:0", "-raft", "127.0.0.1:0",
		"-join", n1.addr, "-log-level", "debug", "-log-format", "json")
	nodes := []*child{n1, n2}
	eventually(t, 30*time.Second, "n2 knows the two members and the demo team", func() bool {
		var cl api.ClusterBody
		code, body := request(n2.addr, "GET", "/v1/cluster", "")
		team, _ := request(n2.addr, "GET", "/v1/workspaces/default/teams/support", "")
		return code == http.StatusOK && decodeInto(body, &cl) && len(cl.Members) == 2 && team == http.StatusOK
	})
	leader := findLeader(t, nodes)
	follower := n2
	if leader == n2 {
		follower = n1
	}

	const id = "e2e-request-1"
	req, _ := http.NewRequest("POST", "http://"+follower.addr+"/v1/workspaces/default/calls",
		strings.NewReader(`{"id":"traced","team":"support"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", id)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Request-ID") != id {
		t.Fatalf("placing the call: %d, X-Request-ID %q", resp.StatusCode, resp.Header.Get("X-Request-ID"))
	}
	eventually(t, 30*time.Second, "the leader's ring line with the request's ID", func() bool {
		return logHas(leader.stderr(), map[string]string{"msg": "telephony: ring", "call": "traced", "request_id": id})
	})
	// A node writes its access line once its handler returned, which may
	// be after the client read the answer.
	for _, n := range nodes {
		eventually(t, 10*time.Second, "the access log of "+n.addr+" with the request's ID", func() bool {
			return logHas(n.stderr(), map[string]string{"msg": "request", "path": "/v1/workspaces/default/calls", "request_id": id})
		})
	}
	for _, n := range nodes {
		if err := n.stop(); err != nil {
			t.Fatalf("%v\n%s", err, n.stderr())
		}
	}
}
