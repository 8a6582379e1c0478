package dashboard

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// workspaceBoards is Boards over fake workspaces "a" and "b", each with a
// team and a teammate of its own, recording the boards built and
// stopped.
type workspaceBoards struct {
	b       *Boards
	ts      *httptest.Server
	sources map[string]*fakeSource
	subs    map[string]*submitted

	mu      sync.Mutex
	built   []string
	stopped []string
}

const (
	tokA     = "token-of-workspace-a"
	tokB     = "token-of-workspace-b"
	tokGone  = "token-of-a-workspace-gone"
	tokSup   = "session-of-sue-in-a"
	tokMate  = "session-of-ana-in-a"
	tokAdmin = "the-cluster-admin-token"
)

var boardTokens = tokens{
	tokA:     hostOf("a"),
	tokB:     hostOf("b"),
	tokGone:  hostOf("gone"),
	tokSup:   {Name: "session:sue", Role: httpedge.RoleSupervisor, Workspace: "a", Teammate: "sue"},
	tokMate:  {Name: "session:ana", Role: httpedge.RoleTeammate, Workspace: "a", Teammate: "ana"},
	tokAdmin: {Name: "admin", Role: httpedge.RoleAdmin},
}

func newWorkspaceBoards(t *testing.T) *workspaceBoards {
	t.Helper()
	wb := &workspaceBoards{sources: map[string]*fakeSource{}, subs: map[string]*submitted{}}
	for _, ws := range []string{"a", "b"} {
		st := baseState()
		st.Teams = []TeamRow{{ID: pb.TeamID("team-" + ws), Name: "Team " + ws}}
		st.Teammates = []TeammateRow{{ID: pb.TeammateID("mate-" + ws), Name: "Mate " + ws, Status: "Active", Channel: "All", Client: "open"}}
		st.Calls = []CallRow{{ID: pb.CallID("call-" + ws), Team: "team-" + ws, Stage: "queued"}}
		wb.sources[ws] = &fakeSource{st: st}
		wb.subs[ws] = &submitted{}
	}
	b, err := NewBoards(BoardsConfig{Verifier: boardTokens, Board: func(ws string) (*Server, func(), error) {
		src, ok := wb.sources[ws]
		if !ok {
			return nil, nil, httpedge.Errorf(httpedge.ErrWorkspaceNotFound, "%q", ws)
		}
		s, err := New(Config{Workspace: ws, Source: src, Submit: wb.subs[ws].submit, Verifier: boardTokens,
			Coalesce: time.Millisecond, Refresh: -1})
		if err != nil {
			return nil, nil, err
		}
		wb.mu.Lock()
		wb.built = append(wb.built, ws)
		wb.mu.Unlock()
		return s, func() {
			wb.mu.Lock()
			wb.stopped = append(wb.stopped, ws)
			wb.mu.Unlock()
		}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	wb.b = b
	wb.ts = httptest.NewServer(b)
	t.Cleanup(func() {
		wb.ts.Close()
		_ = b.Close()
	})
	return wb
}

func (wb *workspaceBoards) builtList() string {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	return strings.Join(wb.built, ",")
}

// snapshotOf opens the stream with token and returns its first message's
// team, teammate and call IDs.
func snapshotOf(t *testing.T, ts *httptest.Server, token string) (teams, mates, calls []string) {
	t.Helper()
	c := streamAs(t, ts, token, "", "")
	defer c.close()
	var p page
	p.apply(t, c.next())
	ids := func(tb *clientTable) []string { return append([]string(nil), tb.order...) }
	return ids(&p.teams), ids(&p.mates), ids(&p.calls)
}

// Each workspace's host sees its own workspace's board and no other's:
// the teams, teammates and calls of its workspace only, and its channel
// changes go to its own workspace. Boards are built on first use only.
func TestBoardsShowTheirOwnWorkspace(t *testing.T) {
	wb := newWorkspaceBoards(t)
	if got := wb.builtList(); got != "" {
		t.Fatalf("boards built before any request: %s", got)
	}
	for _, c := range []struct{ token, ws string }{{tokA, "a"}, {tokB, "b"}, {tokSup, "a"}} {
		teams, mates, calls := snapshotOf(t, wb.ts, c.token)
		if strings.Join(teams, ",") != "team-"+c.ws || strings.Join(mates, ",") != "mate-"+c.ws ||
			strings.Join(calls, ",") != "call-"+c.ws {
			t.Errorf("%s sees teams %v, teammates %v, calls %v; want workspace %s's only", c.token, teams, mates, calls, c.ws)
		}
	}
	if got := wb.builtList(); got != "a,b" {
		t.Fatalf("boards built: %s, want a,b once each", got)
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	resp, body := send(t, wb.ts.Client(), "POST", wb.ts.URL+"/dashboard/teammates/mate-b/channel", `{"channel":"Phone"}`, bearer(tokB))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("b's host sets mate-b's channel: %d %s", resp.StatusCode, body)
	}
	if a, b := wb.subs["a"].list(), wb.subs["b"].list(); len(a) != 0 || len(b) != 1 || b[0].Teammate != "mate-b" {
		t.Fatalf("submitted to a: %+v, to b: %+v; want b's one change", a, b)
	}
}

// Only a workspace's host or supervisor reaches a board: a teammate's
// session and the cluster's admin are refused (403), a missing or wrong
// credential 401, a workspace that is gone 404; none builds a board or
// submits anything.
func TestBoardsRefuseOthers(t *testing.T) {
	wb := newWorkspaceBoards(t)
	c := noRedirect(wb.ts)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/", ""},
		{"GET", "/dashboard/events", ""},
		{"GET", "/dashboard/calls/call-a/timeline", ""},
		{"GET", "/dashboard/calls/call-a/explain", ""},
		{"POST", "/dashboard/teammates/mate-a/channel", `{"channel":"Phone"}`},
	} {
		for _, cr := range []struct {
			hdr    map[string]string
			status int
			code   string
		}{
			{map[string]string{"Authorization": "Bearer " + tokMate}, http.StatusForbidden, "forbidden"},
			{map[string]string{"Authorization": "Bearer " + tokAdmin}, http.StatusForbidden, "forbidden"},
			{map[string]string{"Cookie": CookieName + "=" + tokAdmin}, http.StatusForbidden, "forbidden"},
			{map[string]string{"Authorization": "Bearer " + tokGone}, http.StatusNotFound, "workspace_not_found"},
			{map[string]string{"Authorization": "Bearer wrong"}, http.StatusUnauthorized, "unauthorized"},
			{nil, http.StatusUnauthorized, "unauthorized"},
		} {
			resp, body := send(t, c, r.method, wb.ts.URL+r.path, r.body, cr.hdr)
			var eb httpedge.ErrorBody
			if err := json.Unmarshal([]byte(body), &eb); err != nil || resp.StatusCode != cr.status || eb.Code != cr.code {
				t.Errorf("%s %s with %v: %d %s, want %d %s", r.method, r.path, cr.hdr, resp.StatusCode, body, cr.status, cr.code)
			}
		}
	}
	if got := wb.builtList(); got != "" {
		t.Fatalf("boards built for refused requests: %s", got)
	}
	if n := len(wb.subs["a"].list()) + len(wb.subs["b"].list()); n != 0 {
		t.Fatalf("%d commands submitted for refused requests", n)
	}
}

// A board checks the workspace itself too: mounted on its own, behind an
// authentication that lets another workspace's host through, it refuses
// them (403) and serves its own.
func TestBoardRefusesAnotherWorkspace(t *testing.T) {
	_, ts, _, sub := newTestServer(t, Config{Workspace: "a", Verifier: boardTokens})
	c := noRedirect(ts)
	for _, tok := range []string{tokB, tokAdmin, tokMate} {
		for _, r := range []struct{ method, path, body string }{
			{"GET", "/", ""},
			{"GET", "/dashboard/events", ""},
			{"POST", "/dashboard/teammates/mate-a/channel", `{"channel":"Phone"}`},
		} {
			if resp, body := send(t, c, r.method, ts.URL+r.path, r.body, map[string]string{"Authorization": "Bearer " + tok}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d %s, want 403", r.method, r.path, tok, resp.StatusCode, body)
			}
		}
	}
	if n := len(sub.list()); n != 0 {
		t.Fatalf("%d commands submitted for refused requests", n)
	}
	if resp, _ := send(t, c, "GET", ts.URL+"/", "", map[string]string{"Authorization": "Bearer " + tokA}); resp.StatusCode != http.StatusOK {
		t.Fatalf("a's host on a's board: %d", resp.StatusCode)
	}
}

// The login form takes any workspace's host token and the cookie it sets
// opens that workspace's page; Close stops every board, and a board is
// not served after it.
func TestBoardsLoginAndClose(t *testing.T) {
	wb := newWorkspaceBoards(t)
	c := noRedirect(wb.ts)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
	resp, _ := send(t, c, "POST", wb.ts.URL+"/login", url.Values{"token": {tokB}}.Encode(), form)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 || resp.Cookies()[0].Value != tokB {
		t.Fatalf("login with b's token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	resp, body := send(t, c, "GET", wb.ts.URL+"/", "", map[string]string{"Cookie": CookieName + "=" + tokB})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="cards"`) ||
		!strings.Contains(body, `<span id="workspace" class="muted" title="Workspace">b</span>`) {
		t.Fatalf("the page with b's cookie: %d, want the page naming workspace b", resp.StatusCode)
	}
	resp, _ = send(t, c, "GET", wb.ts.URL+"/", "", map[string]string{"Accept": "text/html"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("the page without a credential: %d to %q, want the login form", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := wb.builtList(); got != "b" {
		t.Fatalf("boards built: %q, want b", got)
	}
	_ = wb.b.Close()
	wb.mu.Lock()
	stopped := strings.Join(wb.stopped, ",")
	wb.mu.Unlock()
	if stopped != "b" {
		t.Fatalf("stopped at Close: %q, want b", stopped)
	}
	resp, body = send(t, c, "GET", wb.ts.URL+"/dashboard/calls/call-b/timeline", "", map[string]string{"Authorization": "Bearer " + tokB})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"closed"`) {
		t.Fatalf("after Close: %d %s, want 503 closed", resp.StatusCode, body)
	}
}
