package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

const adminToken = "admin-token-0123456789abcdef"

// The admin boundary: the host token cannot change the cluster's
// membership, the admin token can, and the admin token cannot act on the
// workspace (it is no telephony credential).
func TestAdminBoundary(t *testing.T) {
	e := newEnv(t, nil, api.Config{AdminToken: adminToken})
	e.seed()
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, 201, nil)
	admin := client{t: t, base: e.ts.URL, token: adminToken}
	code := func(c client, method, path, body string) (int, string) {
		t.Helper()
		status, b := c.try(method, path, body)
		var eb api.ErrorBody
		_ = json.Unmarshal([]byte(b), &eb)
		return status, eb.Code
	}
	for _, st := range []struct {
		c            client
		who          string
		method, path string
		body         string
		status       int
		code         string
	}{
		{e.c, "host", "POST", "/v1/cluster/join", `{"id":"127.0.0.1:1","raft_addr":"127.0.0.1:2"}`, 403, "forbidden"},
		{e.c, "host", "POST", "/v1/cluster/remove", `{"id":"127.0.0.1:1"}`, 403, "forbidden"},
		{e.c, "host", "GET", "/v1/cluster", ``, 200, ""},
		{e.c, "host", "GET", "/v1/cluster/backup", ``, 403, "forbidden"},
		// The admin token reaches the membership handlers: this server
		// runs without -raft, so the join itself is refused as a bad
		// request, after the authorization.
		{admin, "admin", "POST", "/v1/cluster/join", `{"id":"127.0.0.1:1","raft_addr":"127.0.0.1:2"}`, 400, "bad_request"},
		{admin, "admin", "POST", "/v1/cluster/remove", `{"id":"x"}`, 200, ""}, // not a member: nothing to do
		{admin, "admin", "GET", "/v1/cluster", ``, 200, ""},
		// ... and nothing of the workspace.
		{admin, "admin", "POST", "/v1/workspaces/default/teams", `{"id":"sales","name":"Sales"}`, 403, "forbidden"},
		{admin, "admin", "POST", "/v1/workspaces/default/calls", `{"id":"call-9","team":"support"}`, 403, "forbidden"},
		{admin, "admin", "GET", "/v1/workspaces/default/teammates/ana", ``, 403, "forbidden"},
		{admin, "admin", "GET", "/v1/workspaces/default/dashboard", ``, 403, "forbidden"},
		{admin, "admin", "GET", "/metrics", ``, 200, ""}, // the operator's scrape: figures, no call or teammate
		{admin, "admin", "GET", "/nowhere", ``, 404, "not_found"},
	} {
		before := e.state()
		if status, c := code(st.c, st.method, st.path, st.body); status != st.status || c != st.code {
			t.Errorf("%s token: %s %s: %d %q, want %d %q", st.who, st.method, st.path, status, c, st.status, st.code)
		}
		if after := e.state(); after != before {
			t.Fatalf("%s token: %s %s changed the state", st.who, st.method, st.path)
		}
	}
	if _, err := api.New(api.Config{Runtime: e.rt, Token: token, AdminToken: token}); err == nil {
		t.Fatal("an admin token equal to the host token is accepted")
	}
	if _, err := api.New(api.Config{Runtime: e.rt, Token: token, AdminToken: "short"}); err == nil {
		t.Fatal("a short admin token is accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The logs of a command carry the ID of the request that caused it, as
// the access line does.
func TestRequestIDInCommandLogs(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	var buf syncBuffer
	srv, err := api.New(api.Config{Runtime: e.rt, Token: token, AdminToken: adminToken,
		Logger: slog.New(httpedge.WithRequestID(slog.NewTextHandler(&buf, nil)))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := client{t: t, base: ts.URL, token: adminToken}
	code, body := c.raw("POST", "/v1/cluster/remove", `{"id":"gone"}`, map[string]string{"Authorization": "Bearer " + adminToken,
		"Content-Type": "application/json", "X-Request-ID": "remove-42"})
	if code != 200 {
		t.Fatalf("remove: %d %s", code, body)
	}
	var removed, access bool
	for _, line := range strings.Split(buf.String(), "\n") {
		removed = removed || strings.Contains(line, `msg="node removed"`) && strings.Contains(line, "request_id=remove-42")
		access = access || strings.Contains(line, "msg=request") && strings.Contains(line, "request_id=remove-42") &&
			strings.Contains(line, `pattern="POST /v1/cluster/remove"`) && strings.Contains(line, "role=admin")
	}
	if !removed || !access {
		t.Fatalf("the command's line (%v) or the access line (%v) lacks the request ID:\n%s", removed, access, buf.String())
	}
}
