package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	pbclient "github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/server/api"
)

// write is one keyed write and what it got.
type write struct {
	method, path, body string
	status             int
	answer             string
}

// everyWrite is a valid sequence of every command route, on a seeded
// workspace (team support with ana and ben).
func everyWrite() []write {
	return []write{
		{method: "POST", path: ws + "/teams", body: `{"id":"sales","name":"Sales"}`},
		{method: "POST", path: ws + "/teammates", body: `{"id":"cleo","name":"Cleo"}`},
		{method: "POST", path: ws + "/teams/sales/members", body: `{"teammate":"cleo"}`},
		{method: "PUT", path: ws + "/teammates/cleo/channel", body: `{"channel":"Phone"}`},
		{method: "PUT", path: ws + "/teammates/cleo/client", body: `{"open":true}`},
		{method: "PUT", path: ws + "/teammates/ben/reassign_replies", body: `{"on":true}`},
		{method: "POST", path: ws + "/teammates/ana/assignments"},
		{method: "POST", path: ws + "/calls", body: `{"id":"c1","team":"support"}`},
		{method: "POST", path: ws + "/calls/c1/decline", body: `{"teammate":"ben","cause":"button"}`},
		{method: "POST", path: ws + "/calls/c1/answer", body: `{"teammate":"ana"}`},
		{method: "POST", path: ws + "/calls/c1/barge", body: `{"teammate":"ben"}`},
		{method: "POST", path: ws + "/calls/c1/hold"},
		{method: "POST", path: ws + "/calls/c1/resume"},
		{method: "POST", path: ws + "/calls/c1/transfer", body: `{"team":"sales"}`},
		{method: "POST", path: ws + "/calls/c1/answer", body: `{"teammate":"cleo"}`},
		{method: "POST", path: ws + "/calls/c1/end"},
		{method: "PUT", path: ws + "/teammates/ben/status", body: `{"status":"Away","reason":"Lunch"}`},
		{method: "PUT", path: ws + "/teammates/ana/status", body: `{"status":"Away","reason":"Break"}`},
		{method: "POST", path: ws + "/calls", body: `{"id":"c2","team":"support"}`},
		{method: "POST", path: ws + "/calls/c2/manual_answer", body: `{"teammate":"ben"}`},
		{method: "POST", path: ws + "/calls/c2/hangup"},
		{method: "POST", path: ws + "/calls", body: `{"id":"c3"}`},
		{method: "POST", path: ws + "/calls/c3/forward"},
		{method: "POST", path: ws + "/calls/c3/queue", body: `{"team":"sales"}`},
		{method: "POST", path: ws + "/calls/c3/voicemail"},
		{method: "POST", path: ws + "/calls/c3/voicemail/recorded"},
		{method: "POST", path: ws + "/calls/c3/callback"},
		{method: "POST", path: ws + "/calls/outbound", body: `{"id":"o1","teammate":"ana"}`},
		{method: "POST", path: ws + "/calls/o1/customer_answered", body: `{"voicemail":false}`},
		{method: "POST", path: ws + "/calls/o1/end", body: `{"by":"customer"}`},
		{method: "POST", path: ws + "/teammates/ana/messenger_calls"},
		{method: "PUT", path: ws + "/teams/sales/override", body: `{"override":"out_of_office"}`},
		{method: "PUT", path: ws + "/settings/override", body: `{"override":"force_open"}`},
		{method: "PUT", path: ws + "/teams/sales/settings", body: `{"max_queue":3,"max_wait_ms":60000}`},
		{method: "PUT", path: ws + "/settings", body: `{"show_team_composition":true,"hours":{"override":"force_open"}}`},
		{method: "DELETE", path: ws + "/teams/sales/members/cleo"},
		{method: "DELETE", path: ws + "/teammates/cleo"},
		{method: "POST", path: ws + "/calls/nope/hold"}, // a refusal is an outcome too
	}
}

// sendKeyed sends w with key to base and returns the status and body.
func sendKeyed(t *testing.T, base string, w write, key string) (int, string) {
	t.Helper()
	c := client{t: t, base: base, token: token}
	return c.raw(w.method, w.path, w.body, map[string]string{"Authorization": "Bearer " + token,
		"Content-Type": "application/json", api.IdempotencyHeader: key})
}

// Every write kind, retried with its key on the new leader after the
// leader that applied it died, gets the first status and body and does not
// act again; a different request with a used key is 422.
func TestIdempotentRetriesAcrossAFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nodes := startThreeNodes(t, ctx, nil)
	seed := &env{t: t, c: client{t: t, base: nodes[0].url, token: token}}
	seed.seed()
	writes := everyWrite()
	for i := range writes {
		w := &writes[i]
		w.status, w.answer = sendKeyed(t, nodes[0].url, *w, fmt.Sprintf("key-%d", i))
		if i < len(writes)-1 && w.status >= 300 {
			t.Fatalf("%s %s: %d %s", w.method, w.path, w.status, w.answer)
		}
	}
	// Every follower has applied it all; then the leader dies.
	leader := killLeader(t, ctx, nodes)
	if err := leader.rt.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	events := leader.rt.Default().Events().Len()
	for i, w := range writes {
		// Half the retries reach the follower, which forwards them.
		to := leader
		if i%2 == 1 {
			for _, n := range nodes[1:] {
				if n != leader {
					to = n
				}
			}
		}
		var status int
		var body string
		for {
			status, body = sendKeyed(t, to.url, w, fmt.Sprintf("key-%d", i))
			if status != http.StatusServiceUnavailable || ctx.Err() != nil {
				break // (a follower may not know the new leader yet)
			}
			time.Sleep(10 * time.Millisecond) // retrying as a client does, bounded by ctx
		}
		if status != w.status || body != w.answer {
			t.Fatalf("retry of %s %s: %d %s\nfirst: %d %s", w.method, w.path, status, body, w.status, w.answer)
		}
	}
	if code, body := (client{t: t, base: leader.url, token: token}).try("GET", ws+"/teammates/cleo", ""); code != http.StatusNotFound {
		t.Fatalf("cleo came back: %d %s", code, body)
	}
	// No retry acted: no event was logged.
	if err := leader.rt.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := leader.rt.Default().Events().Len(); got != events {
		t.Fatalf("the retries logged %d events", got-events)
	}
	code, body := sendKeyed(t, leader.url, write{method: "POST", path: ws + "/calls/c9/hold"}, "key-1")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "idempotency_key_reused") {
		t.Fatalf("reused key: %d %s", code, body)
	}
	if code, _ := sendKeyed(t, leader.url, writes[0], strings.Repeat("k", 256)); code != http.StatusBadRequest {
		t.Fatalf("long key: %d", code)
	}
}

// The Go client sent to a follower while the leader has just died: it
// retries the cluster's 503 (no_leader, not_leader) with backoff, keeping
// its Idempotency-Key, until the new leader takes the write; the write
// acts once.
func TestClientRidesOutAFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nodes := startThreeNodes(t, ctx, nil)
	seed := &env{t: t, c: client{t: t, base: nodes[0].url, token: token}}
	seed.seed()
	stopLeader(t, ctx, nodes) // the client meets the election
	host := pbclient.New(nodes[1].url, token, pbclient.WithHTTPClient(httpClient), pbclient.WithRetries(100, 10*time.Millisecond))
	res, err := host.Arrive(ctx, "c1", "support")
	if err != nil {
		t.Fatal(err)
	}
	if ringOf(res) == "" {
		t.Fatalf("c1 rings nobody: %+v", res)
	}
	leader := nodes[1]
	if nodes[2].rt.Node().IsLeader() {
		leader = nodes[2]
	}
	var calls api.Page[api.Call]
	(client{t: t, base: leader.url, token: token}).do("GET", ws+"/calls", "", http.StatusOK, &calls)
	if len(calls.Items) != 1 {
		t.Fatalf("calls %+v", calls.Items)
	}
}
