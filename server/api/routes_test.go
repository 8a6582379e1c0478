package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The whole life of a call over HTTP: a call arrives and rings the
// longest-idle teammate, who answers; it is held, resumed, transferred
// back to the team, answered again and ended; the timeline, the
// dashboard and /metrics show it.
//
// Rule: AS2
func TestCallFlowOverHTTP(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	c := e.c
	var team api.Team
	var res api.Result
	c.do("POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support","max_queue":5,"max_wait_ms":600000}`, http.StatusCreated, &res)
	equal(t, "events of add team", len(res.Events), 0)
	var ana api.Teammate
	c.do("POST", "/v1/workspaces/default/teammates", `{"id":"ana","name":"Ana"}`, http.StatusCreated, &res)
	equal(t, "event", strings.Join(kinds(res.Events), ","), "teammate_added")
	c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "default channel", ana.Channel.String(), "All")
	equal(t, "default status", ana.Status.String(), "Active")
	equal(t, "default client", ana.ClientOpen, true)
	c.do("POST", "/v1/workspaces/default/teammates", `{"id":"ben","name":"Ben","channel":"Phone"}`, http.StatusCreated, nil)
	c.do("POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"ana"}`, http.StatusCreated, nil)
	c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "ana's teams", strings.Join(toStrings(ana.Teams), ","), "support")
	c.do("POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"ben"}`, http.StatusCreated, nil)
	c.do("GET", "/v1/workspaces/default/teams/support", "", http.StatusOK, &team)
	equal(t, "team", team.ID, "support")
	equal(t, "available", team.Available, 2)
	equal(t, "offer order", strings.Join(toStrings(team.OfferOrder), ","), "ana,ben")

	var call api.Call
	c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, &res)
	equal(t, "ringing in the result", ringOf(res), "ana")
	equal(t, "events", strings.Join(kinds(res.Events), ","), "call_placed,call_queued,call_offered")
	c.do("GET", "/v1/workspaces/default/calls/call-1", "", http.StatusOK, &call)
	equal(t, "stage", call.Stage, eventlog.StageRinging)
	equal(t, "ringing", call.Ringing, "ana")
	e.tel.waitFor(t, "ring call-1 ana")

	var x api.Explanation
	c.do("GET", "/v1/workspaces/default/calls/call-1/explain", "", http.StatusOK, &x)
	equal(t, "candidates", len(x.Candidates), 2)
	text := c.do("GET", "/v1/workspaces/default/calls/call-1/explain?format=text", "", http.StatusOK, nil)
	if !strings.Contains(text, "1. Ana: ringing until") || text != x.Text {
		t.Fatalf("explain text:\n%s\nJSON text:\n%s", text, x.Text)
	}

	c.do("POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"ana"}`, http.StatusOK, nil)
	c.do("GET", "/v1/workspaces/default/calls/call-1", "", http.StatusOK, &call)
	equal(t, "stage", call.Stage, eventlog.StageTalking)
	c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "ana's reason", ana.Reason, "On a call")
	// The dashboard is fed as the command applies: no wait.
	// Durations are integer milliseconds in *_ms fields, everywhere.
	var d api.Dashboard
	raw := c.do("GET", "/v1/workspaces/default/dashboard", "", http.StatusOK, &d)
	equal(t, "active", d.Active, 1)
	equal(t, "ana's active calls", d.Teammates["ana"].ActiveCalls, 1)
	if !strings.Contains(raw, `"talk_time_ms"`) || strings.Contains(raw, `"talk_time"`) {
		t.Fatalf("dashboard durations not in milliseconds:\n%s", raw)
	}

	c.do("POST", "/v1/workspaces/default/calls/call-1/hold", "", http.StatusOK, &res)
	equal(t, "hold", strings.Join(kinds(res.Events), ","), "call_on_hold")
	c.do("POST", "/v1/workspaces/default/calls/call-1/resume", "", http.StatusOK, &res)
	equal(t, "resume", strings.Join(kinds(res.Events), ","), "call_resumed")
	c.do("POST", "/v1/workspaces/default/calls/call-1/transfer", `{"team":"support"}`, http.StatusOK, &res)
	equal(t, "ringing after transfer", ringOf(res), "ben")
	c.do("POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"ben"}`, http.StatusOK, nil)
	c.do("POST", "/v1/workspaces/default/calls/call-1/end", "", http.StatusOK, nil)
	c.do("GET", "/v1/workspaces/default/calls/call-1", "", http.StatusOK, &call)
	equal(t, "ended", call.Ended, true)

	var tl api.Timeline
	c.do("GET", "/v1/workspaces/default/calls/call-1/timeline", "", http.StatusOK, &tl)
	equal(t, "timeline", strings.Join(kinds(tl.Events), ","),
		"call_placed,call_queued,call_offered,call_answered,call_on_hold,call_resumed,call_transferred,"+
			"call_queued,call_offered,call_answered,call_ended")
	text = c.do("GET", "/v1/workspaces/default/calls/call-1/timeline?format=text", "", http.StatusOK, nil)
	for _, want := range []string{"Call call-1\n", "Call placed by customer.", "Call answered by Ben."} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline text lacks %q:\n%s", want, text)
		}
	}
	metricsText := c.do("GET", "/metrics", "", http.StatusOK, nil)
	for _, want := range []string{`phonebalance_calls_answered_total{team="support",workspace="default"} 2`,
		`phonebalance_calls_offered_total{team="support",workspace="default"} 2`, `phonebalance_calls_active{team="support",workspace="default"} 0`,
		`phonebalance_talk_seconds_count{team="support",workspace="default"} 2`} {
		if !strings.Contains(metricsText, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The node's internals are the operator's (the admin token's scrape).
	if strings.Contains(metricsText, "go_goroutines") || strings.Contains(metricsText, "phonebalance_raft_") {
		t.Error("/metrics shows a workspace's host the node's internals")
	}

	// Membership and teammates go away.
	c.do("DELETE", "/v1/workspaces/default/teams/support/members/ben", "", http.StatusOK, nil)
	c.do("GET", "/v1/workspaces/default/teams/support", "", http.StatusOK, &team)
	equal(t, "offer order", strings.Join(toStrings(team.OfferOrder), ","), "ana")
	c.do("DELETE", "/v1/workspaces/default/teammates/ben", "", http.StatusOK, nil)
	c.do("GET", "/v1/workspaces/default/teammates/ben", "", http.StatusNotFound, nil)
	c.do("PUT", "/v1/workspaces/default/teammates/ana/status", `{"status":"Away","reason":"Lunch"}`, http.StatusOK, nil)
	c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "reason", ana.Reason, "Lunch")
	c.do("PUT", "/v1/workspaces/default/teammates/ana/channel", `{"channel":"Conversations"}`, http.StatusOK, nil)
	c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "channel", ana.Channel.String(), "Conversations")
	c.do("PUT", "/v1/workspaces/default/teammates/ana/client", `{"open":false}`, http.StatusOK, nil)
	c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "client", ana.ClientOpen, false)
}

// A ring the telephony cannot place is a connectivity decline: the call
// rings the next teammate at once.
//
// Rule: AS6
func TestFailedRingDeclines(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	e.tel.mu.Lock()
	e.tel.fail["ana"] = errors.New("softphone unreachable")
	e.tel.mu.Unlock()
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	e.tel.waitFor(t, "ring call-1 ana failed")
	e.tel.waitFor(t, "ring call-1 ben")
	var tl api.Timeline
	e.c.do("GET", "/v1/workspaces/default/calls/call-1/timeline", "", http.StatusOK, &tl)
	var declined *eventlog.Event
	for i := range tl.Events {
		if tl.Events[i].Kind == eventlog.CallDeclined {
			declined = &tl.Events[i].Event
		}
	}
	if declined == nil || declined.Teammate != "ana" || declined.Decline != eventlog.DeclineConnectivity {
		t.Fatalf("no connectivity decline by ana in %v", kinds(tl.Events))
	}
}

// state is what a refused request must leave unchanged.
func (e *env) state() string {
	e.t.Helper()
	var b strings.Builder
	for _, p := range []string{"/v1/workspaces/default/teams/support", "/v1/workspaces/default/teammates/ana", "/v1/workspaces/default/teammates/ben", "/v1/workspaces/default/calls/call-1"} {
		b.WriteString(e.c.do("GET", p, "", http.StatusOK, nil))
	}
	fmt.Fprintf(&b, "events %d", e.rt.Default().Events().Len())
	return b.String()
}

// Each step runs in order on one server: refused requests get the status
// and code of their error and leave the state (views and event log) as it
// was.
func TestRefusedRequestsChangeNothing(t *testing.T) {
	cfg := assign.DefaultConfig()
	cfg.RingTimeout = assign.MaxRingTimeout // no timer proposes an Advance during the test
	e := newEnv(t, &cfg, api.Config{})
	e.seed()
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	long := strings.Repeat("x", 201)
	// logs marks the refusals that only the engine can make: the command
	// is proposed, written to the raft log and refused on apply by every
	// node alike. Every other refusal is made before raft and must leave
	// its last index unchanged.
	steps := []struct {
		method, path, body string
		status             int
		code               string
		logs               bool
	}{
		// Unknown IDs: the leader prechecks what is cheap and exact.
		{"POST", "/v1/workspaces/default/calls", `{"id":"call-2","team":"sales"}`, 404, "unknown_team", false},
		{"POST", "/v1/workspaces/default/calls/nope/answer", `{"teammate":"ana"}`, 404, "unknown_call", false},
		{"POST", "/v1/workspaces/default/calls/nope/hold", ``, 404, "unknown_call", false},
		{"POST", "/v1/workspaces/default/calls/nope/end", ``, 404, "unknown_call", false},
		{"POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"zoe"}`, 404, "unknown_teammate", true},
		{"PUT", "/v1/workspaces/default/teammates/zoe/status", `{"status":"Active"}`, 404, "unknown_teammate", false},
		{"PUT", "/v1/workspaces/default/teammates/zoe/client", `{"open":true}`, 404, "unknown_teammate", false},
		{"DELETE", "/v1/workspaces/default/teammates/zoe", ``, 404, "unknown_teammate", false},
		{"POST", "/v1/workspaces/default/teams/sales/members", `{"teammate":"ana"}`, 404, "unknown_team", false},
		{"POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"zoe"}`, 404, "unknown_teammate", false},
		{"GET", "/v1/workspaces/default/calls/nope", ``, 404, "unknown_call", false},
		{"GET", "/v1/workspaces/default/calls/nope/timeline", ``, 404, "unknown_call", false},
		{"GET", "/v1/workspaces/default/calls/nope/explain", ``, 404, "unknown_call", false},
		{"GET", "/v1/workspaces/default/teammates/zoe", ``, 404, "unknown_teammate", false},
		{"GET", "/v1/workspaces/default/teams/sales", ``, 404, "unknown_team", false},
		{"PUT", "/v1/workspaces/default/teams/sales/settings", `{}`, 404, "unknown_team", false},
		{"PUT", "/v1/workspaces/default/teams/sales/override", `{"override":"force_open"}`, 404, "unknown_team", false},
		// Duplicates.
		{"POST", "/v1/workspaces/default/teammates", `{"id":"ana","name":"Ana"}`, 409, "duplicate_teammate", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"support"}`, 409, "duplicate_team", false},
		{"POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"ana"}`, 409, "duplicate_member", true},
		{"POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, 409, "duplicate_call", true},
		// Wrong state: the call rings Ana, not Ben.
		{"POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"ben"}`, 409, "not_ringing", true},
		{"POST", "/v1/workspaces/default/calls/call-1/decline", `{"teammate":"ben","cause":"button"}`, 409, "not_ringing", true},
		{"POST", "/v1/workspaces/default/calls/call-1/hold", ``, 409, "wrong_state", true},
		// Invalid arguments, refused as the engine would.
		{"POST", "/v1/workspaces/default/calls/call-1/decline", `{"teammate":"ana"}`, 400, "invalid_argument", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"cleo","status":"Away"}`, 400, "invalid_argument", false},
		{"PUT", "/v1/workspaces/default/teammates/ana/channel", `{}`, 400, "invalid_argument", false},
		{"PUT", "/v1/workspaces/default/teammates/ana/status", `{"status":"Active","reason":"lunch"}`, 400, "invalid_argument", false},
		// The edge's limits: IDs, names, reasons.
		{"POST", "/v1/workspaces/default/calls", `{"id":"","team":"support"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/calls", `{"id":"call-9","team":"a\u0007"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":".","name":"Dot"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"..","name":"Dots"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":".."}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/calls", `{"id":".","team":"support"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"a/b","name":"Slash"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"bell\u0007","name":"Bell"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"del\u007f","name":"Del"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"c1\u0085","name":"NEL"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"ana\u202egpj","name":"Bidi"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"\u2066sales\u2069"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"an\u200ba","name":"ZWSP"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"an\u2060a","name":"WJ"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"\ufeffana","name":"BOM"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"` + strings.Repeat("i", httpedge.MaxIDBytes+1) + `"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"an\u200da"}`, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/calls/%FF/hold", ``, 400, "invalid_id", false},
		{"PUT", "/v1/workspaces/default/teammates/an%E2%80%8Ba/channel", `{"channel":"Phone"}`, 400, "invalid_id", false},
		{"DELETE", "/v1/workspaces/default/teams/support/members/%E2%80%AEana", ``, 400, "invalid_id", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"eve","name":"Eve\nCall answered by Ana."}`, 400, "invalid_text", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"eve","name":"` + long + `"}`, 400, "invalid_text", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"eve","name":"Eve\u202e"}`, 400, "invalid_text", false},
		{"PUT", "/v1/workspaces/default/teammates/ana/status", `{"status":"Away","reason":"x\ry"}`, 400, "invalid_text", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"sales","max_queue":-1}`, 400, "invalid_config", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"sales","max_queue":10001}`, 400, "invalid_config", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"sales","max_wait_ms":9223372036854775807}`, 400, "invalid_config", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"sales","max_wait_ms":-1000}`, 400, "invalid_config", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"sales","max_wait_ms":1}`, 400, "invalid_config", false},
		// Settings, refused as POST /teams refuses them. Rule: DF1, DF4, DF5
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"max_queue":-1}`, 400, "invalid_config", false},
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"max_queue":10001}`, 400, "invalid_config", false},
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"max_wait_ms":1}`, 400, "invalid_config", false},
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"max_wait_ms":86400001}`, 400, "invalid_config", false},
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"hours":{"time_zone":"Mars/Olympus"}}`, 400, "invalid_config", false},
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"hours":{"weekly":[{"day":"monday","start":"17:00","end":"09:00"}]}}`, 400, "invalid_config", false},
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"hours":{"override":"closed"}}`, 400, "invalid_argument", false},
		{"PUT", "/v1/workspaces/default/teams/support/settings", `{"max_wait":"10m"}`, 400, "bad_request", false},
		{"PUT", "/v1/workspaces/default/teams/%E2%80%AEsupport/settings", `{}`, 400, "invalid_id", false},
		// Rule: AS8, DF3
		{"PUT", "/v1/workspaces/default/settings", `{"ring_timeout_ms":1000}`, 400, "bad_request", false},
		{"PUT", "/v1/workspaces/default/settings", `{"auto_answer":"yes"}`, 400, "bad_request", false},
		{"PUT", "/v1/workspaces/default/settings", `{"hours":{"time_zone":"Mars/Olympus"}}`, 400, "invalid_config", false},
		{"PUT", "/v1/workspaces/default/settings", `{"hours":{"override":"closed"}}`, 400, "invalid_argument", false},
		// Bodies that are not valid UTF-8: encoding/json would turn the
		// bad bytes into U+FFFD and accept them.
		{"POST", "/v1/workspaces/default/teammates", "{\"id\":\"eve\",\"name\":\"Eve \xff\"}", 400, "invalid_utf8", false},
		{"POST", "/v1/workspaces/default/teammates", "{\"id\":\"e\xc3\",\"name\":\"Eve\"}", 400, "invalid_utf8", false},
		// Requests the server cannot read.
		{"POST", "/v1/workspaces/default/teammates", `{"id":`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/teammates", ``, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"cleo","colour":"red"}`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/teammates", `{"id":"cleo","channel":"Fax"}`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/calls/call-1/decline", `{"teammate":"ana","cause":"shrug"}`, 400, "bad_request", false},
		{"PUT", "/v1/workspaces/default/teammates/ana/client", `{}`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/teams", `{"id":"sales","max_wait":"10m"}`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/calls", `{"id":"a","team":"support"} {}`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/calls", `{"id":"a","team":"support"} x`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/calls", `["id"]`, 400, "bad_request", false},
		{"POST", "/v1/workspaces/default/calls/call-1/end", `{"by":"nobody"}`, 400, "bad_request", false},
		{"POST", "/v1/cluster/join", `{"id":"nowhere","raft_addr":"127.0.0.1:1"}`, 403, "forbidden", false}, // the host token: see TestAdminBoundary
		{"POST", "/v1/workspaces/default/calls", `{"id":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "too_large", false},
		// Routes the mux refuses: the same body, Allow kept (see TestNotFoundAndMethodNotAllowed).
		{"DELETE", "/v1/workspaces/default/calls/call-1", ``, 405, "method_not_allowed", false},
		{"GET", "/nowhere", ``, 404, "not_found", false},
	}
	before := e.state()
	for _, st := range steps {
		index := e.rt.Node().Status().CommitIndex
		code, body := e.c.try(st.method, st.path, st.body)
		if code != st.status {
			t.Fatalf("%s %s %.80s: status %d, want %d; body %s", st.method, st.path, st.body, code, st.status, body)
		}
		var eb api.ErrorBody
		if err := json.Unmarshal([]byte(body), &eb); err != nil {
			t.Fatalf("%s %s: error body %q: %v", st.method, st.path, body, err)
		}
		if eb.Code != st.code || eb.Error == "" {
			t.Fatalf("%s %s %.80s: error body %+v, want code %q", st.method, st.path, st.body, eb, st.code)
		}
		if after := e.state(); after != before {
			t.Fatalf("%s %s %.80s changed the state:\n%s\nwas\n%s", st.method, st.path, st.body, after, before)
		}
		if got := e.rt.Node().Status().CommitIndex; !st.logs && got != index {
			t.Fatalf("%s %s %.80s: refused (%s) but the raft log grew from %d to %d", st.method, st.path, st.body, eb.Code, index, got)
		}
	}
}

// The end of a call's life: once answered it cannot be explained, and
// once ended not ended again.
func TestEndedCall(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	e.c.do("POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"ana"}`, http.StatusOK, nil)
	for _, st := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v1/workspaces/default/calls/call-1/explain", 409, "wrong_state"},
		{"POST", "/v1/workspaces/default/calls/call-1/end", 200, ""},
		{"POST", "/v1/workspaces/default/calls/call-1/end", 409, "call_ended"},
		{"POST", "/v1/workspaces/default/calls/call-1/hangup", 409, "call_ended"},
		{"GET", "/v1/workspaces/default/calls/call-1", 200, ""},
	} {
		code, body := e.c.try(st.method, st.path, "")
		if code != st.status || !strings.Contains(body, st.code) {
			t.Fatalf("%s %s: %d %s, want %d %s", st.method, st.path, code, body, st.status, st.code)
		}
	}
}

// Balanced assignment refuses to work in a TEST workspace: 422.
func TestTestWorkspaceIs422(t *testing.T) {
	cfg := assign.DefaultConfig()
	cfg.TestWorkspace = true
	e := newEnv(t, &cfg, api.Config{})
	e.seed()
	var eb api.ErrorBody
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusUnprocessableEntity, &eb)
	equal(t, "code", eb.Code, "test_workspace")
}

// After the node closes, commands answer 503.
func TestClosedNodeIs503(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	e.rt.Close()
	var eb api.ErrorBody
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusServiceUnavailable, &eb)
	equal(t, "code", eb.Code, "closed")
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("wrapped: %w", assign.ErrUnknownCall), 404, "unknown_call"},
		{fmt.Errorf("%w: %q", assign.ErrTeammateBusy, "ana"), 409, "teammate_busy"},
		{assign.ErrNotMember, 409, "not_member"},
		{assign.ErrTimeWentBackwards, 500, "time_went_backwards"},
		{errors.New("disk on fire"), 500, "internal"},
	} {
		status, code := httpedge.StatusOf(c.err)
		if status != c.status || code != c.code {
			t.Errorf("StatusOf(%v) = %d, %q; want %d, %q", c.err, status, code, c.status, c.code)
		}
	}
}
