package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	pbclient "github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/server/api"
)

// sse reads "effect" events from a stream until it has n, returning them
// as "kind call teammate" and the last ID.
func sse(t *testing.T, ctx context.Context, url, lastID string, n int) (got []string, last string, gaps int) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+ws+"/effects", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("effects stream: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	var id, event string
	for len(got) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		case strings.HasPrefix(line, "data: ") && event == "gap":
			gaps++
		case strings.HasPrefix(line, "data: ") && event == "effect":
			var m pbclient.WebhookEffect
			if err := json.Unmarshal([]byte(line[6:]), &m); err != nil || m.ID != id {
				t.Fatalf("effect %q (id %s): %v", line, id, err)
			}
			got = append(got, m.Kind+" "+string(m.Call)+" "+string(m.Teammate))
			last = id
		}
	}
	if len(got) < n {
		t.Fatalf("the stream ended after %d effects: %v", len(got), sc.Err())
	}
	return got, last, gaps
}

// The effects stream resumes on another node after the leader died, from
// the Last-Event-ID it had got: every effect of every command, once, in
// log order; and GET /events pages the event log in Seq order.
func TestEffectsStreamSurvivesALeaderKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nodes := startThreeNodes(t, ctx, nil)
	var want []string
	run := func(url, method, path, body string) {
		t.Helper()
		var res api.Result
		(client{t: t, base: url, token: token}).do(method, path, body, statusOf(method, path), &res)
		for _, ef := range res.Effects {
			want = append(want, ef.Kind+" "+string(ef.Call)+" "+string(ef.Teammate))
		}
	}
	seedOn := func(url string) {
		run(url, "POST", ws+"/teams", `{"id":"support","name":"Support"}`)
		for _, id := range []string{"ana", "ben", "cy"} {
			run(url, "POST", ws+"/teammates", `{"id":"`+id+`","name":"`+id+`"}`)
			run(url, "POST", ws+"/teams/support/members", `{"teammate":"`+id+`"}`)
		}
	}
	seedOn(nodes[0].url)
	run(nodes[0].url, "POST", ws+"/calls", `{"id":"c1","team":"support"}`)
	run(nodes[0].url, "POST", ws+"/calls/c1/decline", `{"teammate":"ana","cause":"button"}`)
	run(nodes[0].url, "POST", ws+"/calls", `{"id":"c2","team":"support"}`)
	got, last, _ := sse(t, ctx, nodes[0].url, "", len(want))
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("before the kill:\n got %v\nwant %v", got, want)
	}
	// The followers hold everything; the leader dies.
	leader := killLeader(t, ctx, nodes)
	seen := len(want)
	run(leader.url, "POST", ws+"/calls/c1/answer", `{"teammate":"`+ringing(t, leader.url, "c1")+`"}`)
	run(leader.url, "POST", ws+"/calls/c2/hangup", ``)
	run(leader.url, "POST", ws+"/calls/c1/end", ``)
	other := nodes[1]
	if other == leader {
		other = nodes[2]
	}
	rest, _, gaps := sse(t, ctx, other.url, last, len(want)-seen)
	if gaps != 0 || strings.Join(rest, ";") != strings.Join(want[seen:], ";") {
		t.Fatalf("after the kill (gaps %d):\n got %v\nwant %v", gaps, rest, want[seen:])
	}

	// The event log, paged.
	var seqs []uint64
	after := uint64(0)
	for page := 0; page < 100; page++ {
		var p pbclient.EventsPage
		(client{t: t, base: leader.url, token: token}).do("GET", fmt.Sprintf("%s/events?after=%d&limit=4", ws, after), "", http.StatusOK, &p)
		for _, ev := range p.Events {
			seqs = append(seqs, ev.Seq)
		}
		if p.Next == 0 {
			break
		}
		after = p.Next
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("seqs out of order: %v", seqs)
		}
	}
	if len(seqs) != leader.rt.Default().Events().Len() || len(seqs) < 10 {
		t.Fatalf("%d events paged, the store holds %d", len(seqs), leader.rt.Default().Events().Len())
	}
	if code, _ := (client{t: t, base: leader.url, token: token}).try("GET", ws+"/effects?after=x", ""); code != http.StatusBadRequest {
		t.Fatalf("bad after: %d", code)
	}
}

// ringing returns whom the call rings, read from url.
func ringing(t *testing.T, url, call string) string {
	var c api.Call
	(client{t: t, base: url, token: token}).do("GET", ws+"/calls/"+call, "", http.StatusOK, &c)
	return string(c.Ringing)
}

// statusOf is the success status of a command route.
func statusOf(method, path string) int {
	if method == "POST" && (strings.HasSuffix(path, "/teams") || strings.HasSuffix(path, "/teammates") ||
		strings.HasSuffix(path, "/members") || strings.HasSuffix(path, "/calls") || strings.HasSuffix(path, "/outbound")) {
		return http.StatusCreated
	}
	return http.StatusOK
}
