package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/metrics"
)

// client sends requests to a test server over HTTP.
type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, body string, want int, out any) string {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return string(b)
}

// The whole life of a call over real HTTP: teammates added, a call
// arrives and rings the longest-idle teammate, who answers; the customer
// hangs up; the timeline and the dashboard show it all.
func TestCallFlowOverHTTP(t *testing.T) {
	s, tel, feed := newServer(t, api.Config{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := client{t, ts.URL}

	var team api.Team
	c.do("POST", "/teams", `{"id":"support","name":"Support","max_queue":5}`, http.StatusCreated, &team)
	equal(t, "team", team.ID, "support")

	var ana api.Teammate
	c.do("POST", "/teammates", `{"id":"ana","name":"Ana"}`, http.StatusCreated, &ana)
	equal(t, "default channel", ana.Channel.String(), "All")
	equal(t, "default status", ana.Status.String(), "Active")
	equal(t, "default client", ana.ClientOpen, true)
	c.do("POST", "/teammates", `{"id":"ben","name":"Ben","channel":"Phone"}`, http.StatusCreated, nil)
	c.do("POST", "/teams/support/members", `{"teammate":"ana"}`, http.StatusCreated, &ana)
	equal(t, "ana's teams", strings.Join(toStrings(ana.Teams), ","), "support")
	c.do("POST", "/teams/support/members", `{"teammate":"ben"}`, http.StatusCreated, nil)
	c.do("GET", "/teams/support", "", http.StatusOK, &team)
	equal(t, "available", team.Available, 2)
	equal(t, "offer order", strings.Join(toStrings(team.OfferOrder), ","), "ana,ben")

	// The provider's "incoming call" webhook.
	var call api.Call
	c.do("POST", "/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, &call)
	equal(t, "stage", call.Stage, eventlog.StageRinging)
	equal(t, "ringing", call.Ringing, "ana")
	tel.waitFor(t, "ring call-1 ana "+call.RingUntil.Format("15:04:05"))

	var x api.Explanation
	c.do("GET", "/calls/call-1/explain", "", http.StatusOK, &x)
	equal(t, "candidates", len(x.Candidates), 2)
	equal(t, "first", x.Candidates[0].Why.String(), "ringing")
	equal(t, "second", x.Candidates[1].Why.String(), "later in order")
	text := c.do("GET", "/calls/call-1/explain?format=text", "", http.StatusOK, nil)
	if !strings.Contains(text, "1. Ana: ringing until") || text != x.Text {
		t.Fatalf("explain text:\n%s\nJSON text:\n%s", text, x.Text)
	}

	c.do("POST", "/calls/call-1/answer", `{"teammate":"ana"}`, http.StatusOK, &call)
	equal(t, "stage", call.Stage, eventlog.StageTalking)
	equal(t, "agent", call.Agent, "ana")
	c.do("GET", "/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "ana's status", ana.Status.String(), "Away")
	equal(t, "ana's reason", ana.Reason, "On a call")

	// Once the answer is delivered, the dashboard shows the call active.
	feed.waitFor(t, eventlog.CallAnswered, "call-1")
	var d metrics.Dashboard
	c.do("GET", "/dashboard", "", http.StatusOK, &d)
	equal(t, "active", d.Active, 1)
	equal(t, "in queue", d.InQueue, 0)
	equal(t, "ana's active calls", d.Teammates["ana"].ActiveCalls, 1)

	c.do("POST", "/calls/call-1/hangup", "", http.StatusOK, &call)
	equal(t, "ended", call.Ended, true)
	feed.waitFor(t, eventlog.CallEnded, "call-1")

	var tl api.Timeline
	c.do("GET", "/calls/call-1/timeline", "", http.StatusOK, &tl)
	equal(t, "timeline", strings.Join(kinds(tl.Events), ","),
		"call_placed,call_queued,call_offered,call_answered,call_ended")
	text = c.do("GET", "/calls/call-1/timeline?format=text", "", http.StatusOK, nil)
	for _, want := range []string{"Call placed by customer.", "Call assigned to Ana.", "Call answered by Ana.", "Call ended by customer."} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline text lacks %q:\n%s", want, text)
		}
	}

	c.do("GET", "/dashboard", "", http.StatusOK, &d)
	equal(t, "active", d.Active, 0)
	equal(t, "ana on a call", d.Teammates["ana"].OnCall, false)
	equal(t, "support in queue", d.Teams["support"].InQueue, 0)
}

func toStrings[T ~string](s []T) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}
