package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	pbclient "github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/server/api"
)

// ws is the test server's workspace prefix.
const ws = "/v1/workspaces/default"

// kindsOf returns the result's event kinds joined by commas.
func kindsOf(res api.Result) string { return strings.Join(kinds(res.Events), ",") }

// effectsOf returns the result's effects as "kind call teammate" lines.
func effectsOf(res api.Result) []string {
	var out []string
	for _, ef := range res.Effects {
		out = append(out, strings.TrimSpace(ef.Kind+" "+string(ef.Call)+" "+string(ef.Teammate)))
	}
	return out
}

// A host reports a chat assigned to ana through the Go client: the next
// call goes to ben, who has been idle longer now. (The README's example.)
//
// Rule: AS3
func TestReportAssignmentMovesTheNextCall(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	ctx := context.Background()
	host := pbclient.New(e.ts.URL, token, pbclient.WithHTTPClient(httpClient))
	team, err := host.Team(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "offer order before", strings.Join(toStrings(team.OfferOrder), ","), "ana,ben")
	if _, err := host.ReportAssignment(ctx, "ana"); err != nil { // ana was assigned a chat
		t.Fatal(err)
	}
	res, err := host.Arrive(ctx, "call-1", "support")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "rings", ringOf(res), "ben")
	if _, err := host.ReportAssignment(ctx, "nobody"); pbclient.Code(err) != "unknown_teammate" {
		t.Fatalf("unknown teammate: %v", err)
	}
}

// Every engine command has a route, and each answers with the events and
// effects the command produced.
//
// Rule: AS10, PR4, PR5, DF3, DF4
func TestEveryCommandOverHTTP(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	c := e.c
	var res api.Result
	// Reassign replies (PR4): ben takes a call with the setting on.
	c.do("PUT", ws+"/teammates/ben/reassign_replies", `{"on":true}`, http.StatusOK, nil)
	c.do("POST", ws+"/teammates/ana/assignments", "", http.StatusOK, nil)
	c.do("POST", ws+"/calls", `{"id":"c1","team":"support"}`, http.StatusCreated, &res)
	equal(t, "c1 rings", ringOf(res), "ben")
	c.do("POST", ws+"/calls/c1/answer", `{"teammate":"ben"}`, http.StatusOK, &res)
	if !slices.Contains(effectsOf(res), "reassign_replies c1 ben") {
		t.Fatalf("answer effects %v lack reassign_replies for ben", effectsOf(res))
	}
	// Barge: ana joins ben's call.
	c.do("POST", ws+"/calls/c1/barge", `{"teammate":"ana"}`, http.StatusOK, &res)
	equal(t, "barge", kindsOf(res), "teammate_joined")

	// Manual answer from the pool (AS10): nobody is rung while ana is
	// away, and she takes the call herself.
	c.do("PUT", ws+"/teammates/ana/status", `{"status":"Away","reason":"Lunch"}`, http.StatusOK, nil)
	c.do("POST", ws+"/calls", `{"id":"c2","team":"support"}`, http.StatusCreated, &res)
	equal(t, "c2 rings", ringOf(res), "")
	c.do("POST", ws+"/calls/c2/manual_answer", `{"teammate":"ana"}`, http.StatusOK, &res)
	equal(t, "manual answer", strings.Split(kindsOf(res), ",")[0], "manual_answer_requested")
	var call api.Call
	c.do("GET", ws+"/calls/c2", "", http.StatusOK, &call)
	equal(t, "c2 agent", call.Agent, "ana")

	// A placed call routes (IVR), is forwarded, queued, sent to voicemail,
	// leaves one, and asks for a callback.
	c.do("POST", ws+"/calls", `{"id":"c3"}`, http.StatusCreated, &res)
	equal(t, "placed", kindsOf(res), "call_placed")
	c.do("POST", ws+"/calls/c3/forward", "", http.StatusOK, &res)
	equal(t, "forward", kindsOf(res), "forward_unanswered")
	c.do("POST", ws+"/calls/c3/queue", `{"team":"support"}`, http.StatusOK, &res)
	equal(t, "queue", kindsOf(res), "call_queued")
	c.do("POST", ws+"/calls/c3/voicemail", "", http.StatusOK, &res)
	equal(t, "voicemail", kindsOf(res), "voicemail_started")
	c.do("POST", ws+"/calls/c3/voicemail/recorded", "", http.StatusOK, &res)
	equal(t, "recorded", kindsOf(res), "voicemail_recorded")
	c.do("POST", ws+"/calls/c3/callback", "", http.StatusOK, &res)
	equal(t, "callback", strings.Split(kindsOf(res), ",")[0], "callback_requested")
	// A waiting caller asks for a callback keeping their place (nobody is
	// free: ben and ana are on calls), then is not reached (rule LC5).
	c.do("POST", ws+"/calls", `{"id":"cb","team":"support"}`, http.StatusCreated, &res)
	c.do("POST", ws+"/calls/cb/callback/queued", "", http.StatusOK, &res)
	equal(t, "kept callback", kindsOf(res), "callback_requested")
	c.do("GET", ws+"/calls/cb", "", http.StatusOK, &call)
	equal(t, "kept callback stage", call.Stage.String(), "queued")
	equal(t, "kept callback flag", call.Callback, true)
	c.do("POST", ws+"/calls/cb/callback/unreached", "", http.StatusOK, &res)
	equal(t, "callback unreached", kindsOf(res), "callback_unreached,call_ended")

	// Outbound: ben ends c1 and calls a customer, who answers.
	c.do("POST", ws+"/calls/c1/end", "", http.StatusOK, nil)
	c.do("POST", ws+"/calls/outbound", `{"id":"o1","teammate":"ben"}`, http.StatusCreated, &res)
	equal(t, "outbound", kindsOf(res)[:len("call_placed")], "call_placed")
	c.do("POST", ws+"/calls/o1/customer_answered", "", http.StatusOK, &res)
	equal(t, "customer answered", strings.Split(kindsOf(res), ",")[0], "customer_answered")
	c.do("POST", ws+"/calls/o1/hangup", "", http.StatusOK, nil)

	// A Messenger call leaves ben's status alone (PR5).
	c.do("POST", ws+"/teammates/ben/messenger_calls", "", http.StatusOK, &res)
	var ben api.Teammate
	c.do("GET", ws+"/teammates/ben", "", http.StatusOK, &ben)
	equal(t, "ben's status during a Messenger call", ben.Status.String()+ben.Reason, "Active")

	// Overrides: the team's (DF4), then the workspace's (DF3), deflect.
	c.do("PUT", ws+"/teammates/ana/status", `{"status":"Active"}`, http.StatusOK, nil)
	c.do("PUT", ws+"/teams/support/override", `{"override":"out_of_office"}`, http.StatusOK, nil)
	c.do("POST", ws+"/calls", `{"id":"c4","team":"support"}`, http.StatusCreated, &res)
	equal(t, "team closed", strings.Join(effectsOf(res), ";"), "deflect c4")
	c.do("PUT", ws+"/teams/support/override", `{"override":"follow_hours"}`, http.StatusOK, nil)
	c.do("PUT", ws+"/settings/override", `{"override":"out_of_office"}`, http.StatusOK, nil)
	var st api.Settings
	c.do("GET", ws+"/settings", "", http.StatusOK, &st)
	equal(t, "workspace override", st.Hours.Override, "out_of_office")
	equal(t, "ring timeout", st.RingTimeoutMS, 30000)
	c.do("POST", ws+"/calls", `{"id":"c5","team":"support"}`, http.StatusCreated, &res)
	equal(t, "workspace closed", strings.Join(effectsOf(res), ";"), "deflect c5")
	c.do("PUT", ws+"/settings/override", `{"override":"follow_hours"}`, http.StatusOK, nil)
	c.do("POST", ws+"/calls", `{"id":"c6","team":"support"}`, http.StatusCreated, &res)
	equal(t, "open again", ringOf(res), "ben") // ana is on c2

	// A team with operating hours in a time zone.
	c.do("POST", ws+"/teams", `{"id":"night","name":"Night","hours":{"time_zone":"Europe/Paris",`+
		`"weekly":[{"day":"monday","start":"22:00","end":"24:00"}]}}`, http.StatusCreated, nil)
}

// What the API cannot accept is refused with the table's code, before
// anything is written.
func TestNewRoutesRefuseBadInput(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	for _, st := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/v1/workspaces/other/teammates/ana", "", 403, "forbidden"},
		{"PUT", ws + "/teams/support/override", `{"override":"closed"}`, 400, "invalid_argument"},
		{"PUT", ws + "/settings/override", `{}`, 400, "invalid_argument"},
		{"PUT", ws + "/teammates/ana/reassign_replies", `{}`, 400, "bad_request"},
		{"POST", ws + "/teams", `{"id":"x","hours":{"weekly":[{"day":"monday","start":"25:00","end":"26:00"}]}}`, 400, "invalid_config"},
		{"POST", ws + "/teams", `{"id":"x","hours":{"weekly":[{"day":"someday","start":"09:00","end":"17:00"}]}}`, 400, "invalid_config"},
		{"POST", ws + "/teams", `{"id":"x","hours":{"time_zone":"Mars/Olympus"}}`, 400, "invalid_config"},
		{"POST", ws + "/teams", `{"id":"x","hours":{"weekly":[{"day":"monday","start":"17:00","end":"09:00"}]}}`, 400, "invalid_config"},
		{"POST", ws + "/calls/outbound", `{"id":"o1"}`, 400, "invalid_id"},
		{"POST", ws + "/calls/nope/manual_answer", `{"teammate":"ana"}`, 404, "unknown_call"},
		{"POST", ws + "/teammates/nobody/assignments", ``, 404, "unknown_teammate"},
	} {
		before := e.rt.Node().AppliedIndex()
		code, body := e.c.try(st.method, st.path, st.body)
		if code != st.status || !strings.Contains(body, `"code": "`+st.code+`"`) {
			t.Errorf("%s %s %s: %d %s, want %d %s", st.method, st.path, st.body, code, body, st.status, st.code)
		}
		if e.rt.Node().AppliedIndex() != before {
			t.Errorf("%s %s wrote to the log", st.method, st.path)
		}
	}
}
