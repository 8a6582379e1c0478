package inbox_test

import (
	"bytes"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/inbox"
)

// A credential is an argon2id hash: it matches its password only, and
// what is stored in the replicated meta store never holds the password.
func TestCredentialIsAHash(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	raw, ok := e.rt.Node().GetMeta(core.DefaultWorkspace, inbox.CredentialBucket, "ana")
	if !ok {
		t.Fatal("no credential stored for ana")
	}
	if bytes.Contains(raw, []byte(password)) || !bytes.Contains(raw, []byte(`"alg":"argon2id"`)) {
		t.Fatalf("stored credential: %s", raw)
	}
	role, err := e.ib.Credentials(core.DefaultWorkspace).Check("ana", password)
	if err != nil || role != httpedge.RoleTeammate {
		t.Fatalf("Check(right password) = %v, %v", role, err)
	}
	for _, c := range [][2]string{{"ana", password + "x"}, {"ana", ""}, {"nobody", password}} {
		if _, err := e.ib.Credentials(core.DefaultWorkspace).Check(c[0], c[1]); err != inbox.ErrWrongPassword {
			t.Errorf("Check(%q, %q) = %v, want ErrWrongPassword", c[0], c[1], err)
		}
	}
}

// The credential endpoint: the host sets a password; bad input is a
// typed error that changes nothing; a teammate's session cannot use it.
func TestCredentialEndpoint(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	const path = "/v1/workspaces/default/teammates/ana/credential"
	before, _ := e.rt.Node().GetMeta(core.DefaultWorkspace, inbox.CredentialBucket, "ana")
	for _, c := range []struct {
		path, body string
		status     int
		code       string
	}{
		{path, `{"password":"short"}`, 400, "bad_request"},
		{path, `{"password":"long enough pw","role":"admin"}`, 400, "bad_request"},
		{path, `{"password":"long enough pw","extra":1}`, 400, "bad_request"},
		{"/v1/workspaces/default/teammates/zoe/credential", `{"password":"long enough pw"}`, 404, "unknown_teammate"},
		{"/v1/workspaces/other/teammates/ana/credential", `{"password":"long enough pw"}`, 404, "workspace_not_found"},
	} {
		st, body := e.host("PUT", c.path, c.body)
		if st != c.status || decode[httpedge.ErrorBody](t, body).Code != c.code {
			t.Errorf("PUT %s %s = %d %s, want %d %s", c.path, c.body, st, body, c.status, c.code)
		}
	}
	if after, _ := e.rt.Node().GetMeta(core.DefaultWorkspace, inbox.CredentialBucket, "ana"); !bytes.Equal(before, after) {
		t.Error("a refused request changed the credential")
	}
	ana, st := e.signIn("ana", password)
	if st != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", st)
	}
	if st, _ := ana.send("PUT", path, `{"password":"my own new one"}`); st != http.StatusUnauthorized {
		t.Errorf("a teammate's session set a credential: %d", st)
	}
	// A new password ends the old sessions and the old password.
	if st, body := e.host("PUT", path, `{"password":"a new password","role":"supervisor"}`); st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	if st, _ := ana.send("GET", "/inbox/api/me", ""); st != http.StatusUnauthorized {
		t.Errorf("the old session still works after a password change: %d", st)
	}
	if _, st := e.signIn("ana", password); st != http.StatusUnauthorized {
		t.Errorf("the old password still signs in: %d", st)
	}
	sup, st := e.signIn("ana", "a new password")
	if st != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", st)
	}
	if _, body := sup.send("GET", "/inbox/api/me", ""); !strings.Contains(body, `"supervisor"`) {
		t.Errorf("me = %s, want the supervisor role", body)
	}
	if st, _ := e.host("DELETE", path, ""); st != 200 {
		t.Fatalf("DELETE: %d", st)
	}
	if _, st := e.signIn("ana", "a new password"); st != http.StatusUnauthorized {
		t.Errorf("a removed credential still signs in: %d", st)
	}
}

// Failed sign-ins are throttled per account (five, then one a minute)
// and per address (twenty): the right password is refused meanwhile.
func TestSignInThrottled(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	for i := 0; i < 5; i++ {
		if _, st := e.signIn("ana", "wrong password!"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, st)
		}
	}
	if _, st := e.signIn("ana", password); st != http.StatusTooManyRequests {
		t.Errorf("sign-in after 5 failures: %d, want 429", st)
	}
	if _, st := e.signIn("ben", password); st != http.StatusSeeOther {
		t.Errorf("another account from the same address: %d, want 303", st)
	}
	for i := 0; i < 15; i++ { // 20 failures from this address in all
		if _, st := e.signIn("nobody"+string(rune('a'+i)), "wrong password!"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, st)
		}
	}
	if _, st := e.signIn("ben", password); st != http.StatusTooManyRequests {
		t.Errorf("sign-in after 20 failures from the address: %d, want 429", st)
	}
}

// Sessions expire, and are kept hashed (Verify of anything else fails).
func TestSessionsExpire(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	s := inbox.NewSessions(time.Hour, func() time.Time { return now })
	p := httpedge.Principal{Name: "session:ana", Role: httpedge.RoleTeammate, Workspace: "default", Teammate: "ana"}
	id, err := s.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Verify(id); !ok || got != p {
		t.Fatalf("Verify = %v, %v", got, ok)
	}
	if _, ok := s.Verify(id[:42] + "A"); ok && id[42] != 'A' {
		t.Error("a different ID verified")
	}
	now = now.Add(time.Hour)
	if _, ok := s.Verify(id); ok {
		t.Error("an expired session verified")
	}
}

// Rule table: every route a teammate's session can reach, with the
// teammate acting on ANOTHER teammate (or another teammate's call), is
// refused with 403 forbidden, and nothing changes; on themselves it is
// not refused. The table must cover every inbox route with {id}, and the
// API and credential routes refuse a teammate session outright (401).
func TestTeammateCannotActForAnother(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	// A call rings ben, so that ben has a call ana could try to touch.
	ben, _ := e.signIn("ben", password)
	stream := openStream(t, ben, true)
	e.waitUntil("ben's client is open", func() bool { return e.teammate("ben").Presence.ClientOpen })
	if st, body := e.host("POST", "/v1/workspaces/default/calls", `{"id":"c1","team":"support"}`); st >= 300 {
		t.Fatalf("%d %s", st, body)
	}
	e.waitUntil("c1 rings ben", func() bool { return e.teammate("ben").Ringing == "c1" })
	ana, _ := e.signIn("ana", password)

	routes := []struct{ method, path, body string }{
		{"GET", "/inbox/api/teammates/{id}", ""},
		{"GET", "/inbox/api/teammates/{id}/events", ""},
		{"PUT", "/inbox/api/teammates/{id}/channel", `{"channel":"Conversations"}`},
		{"PUT", "/inbox/api/teammates/{id}/status", `{"status":"Away","reason":"Lunch"}`},
		{"PUT", "/inbox/api/teammates/{id}/reassign-replies", `{"on":true}`},
		{"PUT", "/inbox/api/teammates/{id}/tabs/{tab}", `{"visible":false}`},
		{"GET", "/inbox/api/teammates/{id}/calls/{call}", ""},
		{"POST", "/inbox/api/teammates/{id}/calls/{call}/answer", ""},
		{"POST", "/inbox/api/teammates/{id}/calls/{call}/decline", ""},
		{"POST", "/inbox/api/teammates/{id}/calls/{call}/hangup", ""},
		{"POST", "/inbox/api/teammates/{id}/calls/{call}/media", `{"sdp":"v=0"}`},
	}
	covered := map[string]bool{}
	for _, r := range routes {
		covered[r.method+" "+r.path] = true
	}
	var all []string
	for p := range e.ib.Public(nil) {
		if strings.Contains(p, "{id}") {
			all = append(all, p)
			if !covered[p] {
				t.Errorf("route %s is not in the role table", p)
			}
		}
	}
	sort.Strings(all)
	if len(all) != len(routes) {
		t.Errorf("the role table has %d routes, the inbox %d: %v", len(routes), len(all), all)
	}
	before := e.teammate("ben")
	for _, r := range routes {
		path := strings.NewReplacer("{id}", "ben", "{tab}", stream.tab, "{call}", "c1").Replace(r.path)
		st, body := ana.send(r.method, path, r.body)
		if st != http.StatusForbidden || decode[httpedge.ErrorBody](t, body).Code != "forbidden" {
			t.Errorf("ana: %s %s = %d %s, want 403 forbidden", r.method, path, st, body)
		}
	}
	// Ana's own ID with ben's call: still refused (a teammate acts on
	// their own calls only).
	for _, r := range routes {
		if !strings.Contains(r.path, "{call}") {
			continue
		}
		path := strings.NewReplacer("{id}", "ana", "{call}", "c1").Replace(r.path)
		if st, _ := ana.send(r.method, path, r.body); st != http.StatusForbidden {
			t.Errorf("ana: %s %s (ben's call) = %d, want 403", r.method, path, st)
		}
	}
	if after := e.teammate("ben"); after.Presence != before.Presence || after.Ringing != "c1" {
		t.Errorf("ben changed: %+v -> %+v", before, after)
	}
	// On herself, ana is not refused.
	for _, r := range routes {
		if strings.Contains(r.path, "{call}") || strings.Contains(r.path, "{tab}") || strings.HasSuffix(r.path, "/events") {
			continue
		}
		path := strings.ReplaceAll(r.path, "{id}", "ana")
		if st, body := ana.send(r.method, path, r.body); st != http.StatusOK {
			t.Errorf("ana on herself: %s %s = %d %s", r.method, path, st, body)
		}
	}
	// The workspace's API and the wallboard are not a teammate's.
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/v1/workspaces/default/teammates/ben", ""}, {"GET", "/v1/workspaces/default/dashboard", ""},
		{"PUT", "/v1/workspaces/default/teammates/ben/status", `{"status":"Away","reason":"x"}`},
		{"PUT", "/v1/workspaces/default/teammates/ana/status", `{"status":"Away","reason":"x"}`},
		{"POST", "/v1/workspaces/default/calls", `{"id":"c2","team":"support"}`},
		{"GET", "/v1/workspaces/default/calls/c1/explain", ""}, {"GET", "/", ""},
		{"PUT", "/v1/workspaces/default/teammates/ben/credential", `{"password":"0123456789ab"}`},
	} {
		if st, _ := ana.send(r.method, r.path, r.body); st != http.StatusUnauthorized {
			t.Errorf("ana: %s %s = %d, want 401", r.method, r.path, st)
		}
	}
}
