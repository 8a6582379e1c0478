package main

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// Everything survives a SIGKILL: teammates, teams, a call in wrap-up's
// wake, a ringing call with its exclusion, and the event log, which holds
// each event once. The ring that was due while the server was down fires
// on restart, dated at its own deadline.
//
// Rule: AS5, AS7, PR6
func TestRestartAfterSIGKILL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	args := []string{"-data", dir, "-http", "127.0.0.1:0", "-ring-timeout", "2s", "-wrap-up", "1h"}
	a := startChild(t, args...)
	must(t, a.addr, "POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support","max_queue":10}`, http.StatusCreated, nil)
	for _, id := range []string{"ana", "ben", "cleo"} {
		must(t, a.addr, "POST", "/v1/workspaces/default/teammates", `{"id":"`+id+`","name":"`+id+`"}`, http.StatusCreated, nil)
		must(t, a.addr, "POST", "/v1/workspaces/default/teams/support/members", `{"teammate":"`+id+`"}`, http.StatusCreated, nil)
	}
	// call-1: Ana declines, Ben answers and ends it: Ana is excluded from
	// call-1, Ben is in wrap-up for an hour.
	var call assign.CallView
	must(t, a.addr, "POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	must(t, a.addr, "GET", "/v1/workspaces/default/calls/call-1", ``, http.StatusOK, &call)
	if call.Ringing != "ana" {
		t.Fatalf("call-1 rings %q", call.Ringing)
	}
	must(t, a.addr, "POST", "/v1/workspaces/default/calls/call-1/decline", `{"teammate":"ana","cause":"button"}`, http.StatusOK, nil)
	must(t, a.addr, "GET", "/v1/workspaces/default/calls/call-1", ``, http.StatusOK, &call)
	must(t, a.addr, "POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"`+string(call.Ringing)+`"}`, http.StatusOK, nil)
	agent := call.Ringing
	must(t, a.addr, "POST", "/v1/workspaces/default/calls/call-1/end", ``, http.StatusOK, nil)
	var wrapping api.Teammate
	must(t, a.addr, "GET", "/v1/workspaces/default/teammates/"+string(agent), ``, http.StatusOK, &wrapping)
	if wrapping.WrapUpUntil.IsZero() {
		t.Fatalf("%s is not in wrap-up: %+v", agent, wrapping)
	}
	// call-2 rings someone, who declines (excluded from call-2 for five
	// minutes); it rings the other available teammate for 2 s, and the
	// server dies before that ring times out.
	var first assign.CallView
	must(t, a.addr, "POST", "/v1/workspaces/default/calls", `{"id":"call-2","team":"support"}`, http.StatusCreated, nil)
	must(t, a.addr, "GET", "/v1/workspaces/default/calls/call-2", ``, http.StatusOK, &first)
	if first.Ringing == "" {
		t.Fatalf("call-2 rings nobody: %+v", first)
	}
	var ringing assign.CallView
	must(t, a.addr, "POST", "/v1/workspaces/default/calls/call-2/decline", `{"teammate":"`+string(first.Ringing)+`","cause":"button"}`,
		http.StatusOK, nil)
	must(t, a.addr, "GET", "/v1/workspaces/default/calls/call-2", ``, http.StatusOK, &ringing)
	if ringing.Ringing == "" || len(ringing.Excluded) != 1 || ringing.Excluded[0].Teammate != first.Ringing {
		t.Fatalf("call-2 after the decline: %+v", ringing)
	}
	var before api.Timeline
	must(t, a.addr, "GET", "/v1/workspaces/default/calls/call-1/timeline", ``, http.StatusOK, &before)
	a.kill()

	b := startChild(t, args...)
	var team api.Team
	must(t, b.addr, "GET", "/v1/workspaces/default/teams/support", ``, http.StatusOK, &team)
	if len(team.OfferOrder)+team.Away+team.NoActiveClient < 1 {
		t.Fatalf("team after restart: %+v", team)
	}
	var tm api.Teammate
	must(t, b.addr, "GET", "/v1/workspaces/default/teammates/"+string(agent), ``, http.StatusOK, &tm)
	if !tm.WrapUpUntil.Equal(wrapping.WrapUpUntil) {
		t.Fatalf("wrap-up until %v after restart, was %v", tm.WrapUpUntil, wrapping.WrapUpUntil)
	}
	var after api.Timeline
	must(t, b.addr, "GET", "/v1/workspaces/default/calls/call-1/timeline", ``, http.StatusOK, &after)
	if strings.Join(kinds(after.Events), ",") != strings.Join(kinds(before.Events), ",") {
		t.Fatalf("call-1's timeline after restart:\n%v\nbefore:\n%v", kinds(after.Events), kinds(before.Events))
	}
	// The ring of call-2 times out at its own deadline, not at restart.
	var missed eventlog.Event
	eventually(t, 30*time.Second, "call-2's ring times out", func() bool {
		var tl api.Timeline
		must(t, b.addr, "GET", "/v1/workspaces/default/calls/call-2/timeline", ``, http.StatusOK, &tl)
		for _, ev := range tl.Events {
			if ev.Kind == eventlog.CallMissed {
				missed = ev.Event
				return true
			}
		}
		return false
	})
	if missed.Teammate != ringing.Ringing || !missed.At.Equal(ringing.RingUntil) {
		t.Fatalf("miss by %s at %v; the ring was %s's until %v", missed.Teammate, missed.At, ringing.Ringing, ringing.RingUntil)
	}
	// The exclusion from before the crash is intact, with its own end;
	// the miss added the second.
	var c2 assign.CallView
	must(t, b.addr, "GET", "/v1/workspaces/default/calls/call-2", ``, http.StatusOK, &c2)
	if len(c2.Excluded) != 2 {
		t.Fatalf("call-2's exclusions after the miss: %+v", c2.Excluded)
	}
	for _, x := range c2.Excluded {
		if x.Teammate == first.Ringing && !x.Until.Equal(ringing.Excluded[0].Until) {
			t.Fatalf("%s excluded until %v after restart, was %v", x.Teammate, x.Until, ringing.Excluded[0].Until)
		}
	}
	metrics := must(t, b.addr, "GET", "/metrics", ``, http.StatusOK, nil)
	if !strings.Contains(metrics, `phonebalance_calls_offered_total{team="support",workspace="default"} 2`) {
		t.Fatalf("/metrics after restart:\n%s", metrics)
	}
	if code, _ := request(b.addr, "GET", "/v1/workspaces/default/teams/support", ""); code != http.StatusOK {
		t.Fatal(code)
	}
	if err := b.stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, b.stderr())
	}
	// The event store holds every event once, in order.
	var raw bytes.Buffer
	if err := exportEvents(dir, "default", "", &raw, io.Discard); err != nil {
		t.Fatal(err)
	}
	evs, err := eventlog.DecodeJSONLines(&raw)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if evs[i].Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, evs[i].Seq)
		}
	}
}

// Without a token, every request but /healthz is refused.
func TestProcessNeedsToken(t *testing.T) {
	c := startChild(t, "-data", t.TempDir(), "-http", "127.0.0.1:0", "-demo", "-demo-rate", "0")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + c.addr + "/v1/workspaces/default/teams/support")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	var team api.Team
	must(t, c.addr, "GET", "/v1/workspaces/default/teams/support", ``, http.StatusOK, &team)
	if strings.Join(toStrings(team.OfferOrder), ",") != "ana,ben,cleo" {
		t.Fatalf("demo team: %+v", team)
	}
	if err := c.stop(); err != nil {
		t.Fatal(err)
	}
}

func kinds(evs []httpedge.Event) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.Kind.String())
	}
	return out
}

func toStrings[T ~string](s []T) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}
