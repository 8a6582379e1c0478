package inbox_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/inbox"
)

// The page's actions on the teammate themselves, and bad input: a typed
// error with the edge's body that changes nothing. Rules: PR1, PR2, PR4
func TestActions(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	ana, _ := e.signIn("ana", password)
	for _, c := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"PUT", "/inbox/api/teammates/ana/channel", `{"channel":"Phone"}`, 200, ""},
		{"PUT", "/inbox/api/teammates/ana/status", `{"status":"Away","reason":"Lunch"}`, 200, ""},
		{"PUT", "/inbox/api/teammates/ana/reassign-replies", `{"on":true}`, 200, ""},
		{"PUT", "/inbox/api/teammates/ana/channel", `{"channel":"Fax"}`, 400, "invalid_argument"},
		{"PUT", "/inbox/api/teammates/ana/channel", `{"channel":"All","x":1}`, 400, "bad_request"},
		{"PUT", "/inbox/api/teammates/ana/status", `{"status":"Away"}`, 400, "invalid_argument"},
		{"PUT", "/inbox/api/teammates/ana/status", `{"status":"Away","reason":"a\nb"}`, 400, "invalid_text"},
		{"PUT", "/inbox/api/teammates/ana/status", `{"status":"Active","reason":"x"}`, 400, "invalid_argument"},
		{"PUT", "/inbox/api/teammates/ana/status", `{"status":"Busy"}`, 400, "invalid_argument"},
		{"PUT", "/inbox/api/teammates/ana/tabs/nope", `{"visible":true}`, 404, "not_found"},
		{"POST", "/inbox/api/teammates/ana/calls/nope/answer", ``, 404, "unknown_call"},
		{"GET", "/inbox/api/teammates/ana/calls/a%2Fb", ``, 400, "invalid_id"},
	} {
		before := e.teammate("ana").Presence
		st, body := ana.send(c.method, c.path, c.body)
		if st != c.status {
			t.Errorf("%s %s %s = %d %s, want %d", c.method, c.path, c.body, st, body, c.status)
			continue
		}
		if c.code != "" {
			if got := decode[httpedge.ErrorBody](t, body).Code; got != c.code {
				t.Errorf("%s %s %s: code %q, want %q", c.method, c.path, c.body, got, c.code)
			}
			if after := e.teammate("ana").Presence; after != before {
				t.Errorf("%s %s %s changed ana: %+v -> %+v", c.method, c.path, c.body, before, after)
			}
		}
	}
	p := e.teammate("ana").Presence
	if p.Channel != presence.ChannelPhone || p.Status != presence.Away || p.Reason != "Lunch" || !p.ReassignReplies {
		t.Errorf("ana after her actions: %+v", p)
	}
}

// A supervisor's session changes another teammate's channel (rule PR7)
// and reads them, but does not act for them otherwise.
func TestSupervisor(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{})
	if st, body := e.host("PUT", "/v1/workspaces/default/teammates/ben/credential",
		`{"password":"`+password+`","role":"supervisor"}`); st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	ben, _ := e.signIn("ben", password)
	if st, body := ben.send("PUT", "/inbox/api/teammates/ana/channel", `{"channel":"Conversations"}`); st != 200 {
		t.Fatalf("supervisor sets ana's channel: %d %s", st, body)
	}
	if e.teammate("ana").Presence.Channel != presence.ChannelConversations {
		t.Error("ana's channel did not change")
	}
	if st, _ := ben.send("GET", "/inbox/api/teammates/ana", ""); st != 200 {
		t.Errorf("supervisor reads ana: %d", st)
	}
	if st, _ := ben.send("PUT", "/inbox/api/teammates/ana/status", `{"status":"Away","reason":"x"}`); st != http.StatusForbidden {
		t.Errorf("supervisor sets ana's status: %d, want 403", st)
	}
}

// The teammate's own figures count a call they answered and its talk
// time, within a Heartbeat of its end. Rules: MT3, MT12
func TestFigures(t *testing.T) {
	e := newEnv(t, nil, inbox.Config{Heartbeat: 100 * time.Millisecond})
	ana, _ := e.signIn("ana", password)
	openStream(t, ana, true)
	e.waitUntil("ana's client is open", func() bool { return e.teammate("ana").Eligible })
	if st, body := e.host("POST", "/v1/workspaces/default/calls", `{"id":"c1","team":"support"}`); st >= 300 {
		t.Fatalf("%d %s", st, body)
	}
	e.waitUntil("c1 rings ana", func() bool { return e.teammate("ana").Ringing == "c1" })
	for _, action := range []string{"answer", "hangup"} {
		if st, body := ana.send("POST", "/inbox/api/teammates/ana/calls/c1/"+action, ""); st != 200 {
			t.Fatalf("%s: %d %s", action, st, body)
		}
	}
	e.waitUntil("ana's figures count c1", func() bool {
		_, body := ana.send("GET", "/inbox/api/teammates/ana", "")
		return decode[inbox.State](t, body).Figures.Answered == 1
	})
}
