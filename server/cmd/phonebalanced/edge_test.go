package main

import (
	"net/http"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// The shipped server's dashboard actions go through the same edge as the
// API: an action the engine would refuse for a missing teammate, or an
// invalid ID, is refused with the one error body before it reaches the
// raft log.
func TestShippedDashboardRefusesBeforeRaft(t *testing.T) {
	c := startChild(t, "-data", t.TempDir(), "-http", "127.0.0.1:0")
	must(t, c.addr, "POST", "/v1/workspaces/default/teammates", `{"id":"ana","name":"Ana"}`, http.StatusCreated, nil)
	var before api.ClusterBody
	must(t, c.addr, "GET", "/v1/cluster", "", http.StatusOK, &before)
	for _, r := range []struct {
		path, body string
		status     int
		code       string
	}{
		{"/dashboard/teammates/zoe/channel", `{"channel":"Phone"}`, http.StatusNotFound, "unknown_teammate"},
		{"/dashboard/teammates/an%E2%80%8Ba/channel", `{"channel":"Phone"}`, http.StatusBadRequest, "invalid_id"},
		{"/dashboard/teammates/ana/channel", `{"channel":"Fax"}`, http.StatusBadRequest, "invalid_argument"},
		{"/dashboard/teammates/ana/channel", `{"channel":"Phone","x":1}`, http.StatusBadRequest, "bad_request"},
	} {
		var eb api.ErrorBody
		if body := must(t, c.addr, "POST", r.path, r.body, r.status, &eb); eb.Code != r.code {
			t.Fatalf("POST %s: %s, want code %q", r.path, body, r.code)
		}
	}
	var after api.ClusterBody
	must(t, c.addr, "GET", "/v1/cluster", "", http.StatusOK, &after)
	if after.AppliedIndex != before.AppliedIndex {
		t.Fatalf("refused actions reached the raft log: applied index %d, was %d", after.AppliedIndex, before.AppliedIndex)
	}
	must(t, c.addr, "POST", "/dashboard/teammates/ana/channel", `{"channel":"Phone"}`, http.StatusOK, nil)
	if err := c.stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, c.stderr())
	}
}
