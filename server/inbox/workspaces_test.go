package inbox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/inbox"
)

const passwordB = "the password in b"

// withWorkspaceB adds workspace "b" to e's node: a Support team with its
// own "ana" (an ID the default workspace has too, client closed) and
// "cleo" (client open: b's calls ring her), Active on All, with
// passwords set by b's host through the credential route. It returns b's
// host token.
func withWorkspaceB(t *testing.T, e *env) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tokB, err := e.rt.CreateWorkspace(ctx, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.rt.Workspace("b")
	if err != nil {
		t.Fatal(err)
	}
	st := presence.State{Channel: presence.ChannelAll, Status: presence.Active}
	for _, cmd := range []assign.Command{
		{Op: assign.OpAddTeam, Team: "support", Name: "Support of b"},
		{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana of b", Presence: st},
		{Op: assign.OpAddTeammate, Teammate: "cleo", Name: "Cleo of b", Presence: st},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ana"},
		{Op: assign.OpAddMember, Team: "support", Teammate: "cleo"},
		{Op: assign.OpSetClient, Teammate: "cleo", Open: true}, // b's calls ring cleo
	} {
		if _, err := b.Do(ctx, cmd); err != nil {
			t.Fatalf("b: %v: %v", cmd.Op, err)
		}
	}
	for _, id := range []string{"ana", "cleo"} {
		if code, body := send(t, httpClient, "PUT", e.url+"/v1/workspaces/b/teammates/"+id+"/credential",
			`{"password":"`+passwordB+`"}`, map[string]string{"Authorization": "Bearer " + tokB}); code != 200 {
			t.Fatalf("b's host sets %s's credential: %d %s", id, code, body)
		}
	}
	return tokB
}

// A teammate signs in to a workspace: the form's workspace field names
// it (none: the default workspace, as before), the password is checked
// among that workspace's credentials only, and the session is of that
// workspace: the same teammate ID in two workspaces is two teammates.
func TestSignInNamesTheWorkspace(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	withWorkspaceB(t, e)
	for _, c := range []struct {
		ws, id, pw string
		status     int
		me         string
	}{
		{"", "ana", password, http.StatusSeeOther, "default"},
		{"default", "ana", password, http.StatusSeeOther, "default"},
		{"b", "ana", passwordB, http.StatusSeeOther, "b"},
		{"b", "cleo", passwordB, http.StatusSeeOther, "b"},
		{"b", "ana", password, http.StatusUnauthorized, ""},  // default's password is not b's
		{"", "ana", passwordB, http.StatusUnauthorized, ""},  // nor b's default's
		{"", "cleo", passwordB, http.StatusUnauthorized, ""}, // cleo is b's only
		{"nowhere", "ana", password, http.StatusUnauthorized, ""},
		{"b/x", "ana", password, http.StatusBadRequest, ""},
	} {
		s, st := e.signInTo(c.ws, c.id, c.pw)
		if st != c.status {
			t.Errorf("sign-in of %s in %q: %d, want %d", c.id, c.ws, st, c.status)
			continue
		}
		if c.me == "" {
			continue
		}
		code, body := s.send("GET", "/inbox/api/me", "")
		if me := decode[map[string]string](t, body); code != 200 || me["workspace"] != c.me || me["teammate"] != c.id {
			t.Errorf("me of %s in %q: %d %s, want workspace %s", c.id, c.ws, code, body, c.me)
		}
		code, body = s.send("GET", "/inbox/api/teammates/"+c.id, "")
		want := "Ana"
		if c.ws == "b" {
			want = strings.ToUpper(c.id[:1]) + c.id[1:] + " of b"
		}
		if code != 200 || decode[inbox.State](t, body).Name != want {
			t.Errorf("%s of %q reads themselves: %d %s, want the name %q", c.id, c.ws, code, body, want)
		}
	}
	// The form keeps a workspace given in its link.
	code, body := send(t, httpClient, "GET", e.url+"/inbox/login?workspace=b", "", nil)
	if code != 200 || !strings.Contains(body, `name="workspace"`) || !strings.Contains(body, `value="b"`) {
		t.Errorf("the sign-in form of ?workspace=b: %d %s", code, body)
	}
}

// A session of one workspace never acts on or reads another: b's
// teammate IDs name its own workspace's teammates (or none), b's calls
// are unknown to it, its tabs open its own phone client only, and b's
// credential route is b's host's alone. Failed sign-ins are throttled
// per teammate of a workspace.
func TestWorkspaceIsolation(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	tokB := withWorkspaceB(t, e)
	b, err := e.rt.Workspace("b")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rd, err := b.Do(ctx, assign.Command{Op: assign.OpArrive, Call: "cb1", Team: "support"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rd.Effects) != 1 || rd.Effects[0].Kind != assign.Ring || rd.Effects[0].Teammate != "cleo" {
		t.Fatalf("b's call: effects %+v, want cleo rung", rd.Effects)
	}
	callB := func() assign.CallView {
		var v assign.CallView
		_, _ = b.View(func(en *assign.Engine) { v, _ = en.Call("cb1") })
		return v
	}
	before := callB()

	ana, st := e.signIn("ana", password) // the default workspace's ana
	if st != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", st)
	}
	for _, r := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		// b's call, under the name of the teammate it rings in b: unknown here.
		{"GET", "/inbox/api/teammates/ana/calls/cb1", "", 404, "unknown_call"},
		{"POST", "/inbox/api/teammates/ana/calls/cb1/answer", "", 404, "unknown_call"},
		{"POST", "/inbox/api/teammates/ana/calls/cb1/decline", "", 404, "unknown_call"},
		{"POST", "/inbox/api/teammates/ana/calls/cb1/hangup", "", 404, "unknown_call"},
		// b's other teammate, whom the call rings: not hers to act for.
		{"GET", "/inbox/api/teammates/cleo", "", 403, "forbidden"},
		{"PUT", "/inbox/api/teammates/cleo/status", `{"status":"Away","reason":"x"}`, 403, "forbidden"},
		{"POST", "/inbox/api/teammates/cleo/calls/cb1/answer", "", 403, "forbidden"},
		// b's credential route: a session is no API credential.
		{"PUT", "/v1/workspaces/b/teammates/cleo/credential", `{"password":"0123456789ab"}`, 401, "unauthorized"},
	} {
		code, body := ana.send(r.method, r.path, r.body)
		if code != r.status || decode[httpedge.ErrorBody](t, body).Code != r.code {
			t.Errorf("default's ana: %s %s = %d %s, want %d %s", r.method, r.path, code, body, r.status, r.code)
		}
	}
	// Her own status changes her, not b's ana.
	if code, body := ana.send("PUT", "/inbox/api/teammates/ana/status", `{"status":"Away","reason":"lunch"}`); code != 200 {
		t.Fatalf("ana goes away: %d %s", code, body)
	}
	var bAna assign.TeammateView
	_, _ = b.View(func(en *assign.Engine) { bAna, _ = en.Teammate("ana") })
	if bAna.Presence.Status != presence.Active || e.teammate("ana").Presence.Status != presence.Away {
		t.Errorf("after default's ana went Away: b's ana %v, default's ana %v", bAna.Presence.Status, e.teammate("ana").Presence.Status)
	}
	// Her tab is her phone client, not b's ana's.
	openStream(t, ana, true)
	e.waitUntil("default's ana's client opens", func() bool { return e.teammate("ana").Presence.ClientOpen })
	_, _ = b.View(func(en *assign.Engine) { bAna, _ = en.Teammate("ana") })
	if bAna.Presence.ClientOpen {
		t.Error("default's ana's tab opened b's ana's phone client")
	}
	if after := callB(); after.Ringing != before.Ringing || after.Agent != "" || after.Stage != before.Stage {
		t.Errorf("b's call changed: %+v, was %+v", after, before)
	}

	// The credential routes: each workspace's host for its own.
	for _, c := range []struct {
		token, path string
		status      int
		code        string
	}{
		{token, "/v1/workspaces/b/teammates/cleo/credential", 403, "forbidden"},
		{tokB, "/v1/workspaces/default/teammates/ana/credential", 403, "forbidden"},
		{tokB, "/v1/workspaces/nowhere/teammates/ana/credential", 404, "workspace_not_found"},
		{tokB, "/v1/workspaces/b/teammates/ben/credential", 404, "unknown_teammate"}, // default's ben
	} {
		for _, method := range []string{"PUT", "DELETE"} {
			body := ""
			if method == "PUT" {
				body = `{"password":"0123456789ab"}`
			}
			code, got := send(t, httpClient, method, e.url+c.path, body, map[string]string{"Authorization": "Bearer " + c.token})
			if code != c.status || decode[httpedge.ErrorBody](t, got).Code != c.code {
				t.Errorf("%s %s: %d %s, want %d %s", method, c.path, code, got, c.status, c.code)
			}
		}
	}
	if _, st := e.signInTo("b", "cleo", passwordB); st != http.StatusSeeOther {
		t.Errorf("cleo's credential in b changed by refused requests: sign-in %d", st)
	}
	if _, st := e.signIn("ana", password); st != http.StatusSeeOther {
		t.Errorf("ana's credential in default changed by refused requests: sign-in %d", st)
	}
	// b's host changes b's ana's password: default's ana's session goes on.
	if code, body := send(t, httpClient, "PUT", e.url+"/v1/workspaces/b/teammates/ana/credential",
		`{"password":"another b password"}`, map[string]string{"Authorization": "Bearer " + tokB}); code != 200 {
		t.Fatalf("b's host resets b's ana: %d %s", code, body)
	}
	if code, _ := ana.send("GET", "/inbox/api/me", ""); code != 200 {
		t.Errorf("default's ana's session ended with b's ana's password: %d", code)
	}

	// Five failures for b's cleo throttle b's cleo, not default's ben.
	for i := range 5 {
		if _, st := e.signInTo("b", "cleo", "wrong password!"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, st)
		}
	}
	if _, st := e.signInTo("b", "cleo", passwordB); st != http.StatusTooManyRequests {
		t.Errorf("b's cleo after 5 failures: %d, want 429", st)
	}
	if _, st := e.signIn("ben", password); st != http.StatusSeeOther {
		t.Errorf("default's ben after b's cleo's failures: %d, want 303", st)
	}
}
