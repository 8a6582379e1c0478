package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pbclient "github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/telephony"
)

var webhookSecret = []byte("webhook-secret-0123456789")

// receiver is a host's webhook endpoint: it verifies signatures, carries
// each effect out once (by Idempotency-Key) and keeps its phones.
type receiver struct {
	mu      sync.Mutex
	seen    map[string]bool
	ringing map[string]string   // call -> teammate
	byCall  map[string][]string // call -> "id kind teammate", in arrival order
	changed chan struct{}
}

func (h *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := pbclient.VerifySignature(webhookSecret, body, r.Header.Get(pbclient.SignatureHeader), time.Now(), time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var m pbclient.WebhookEffect
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	if h.seen[key] {
		return
	}
	h.seen[key] = true
	switch m.Kind {
	case "ring":
		h.ringing[string(m.Call)] = string(m.Teammate)
	case "stop_ringing":
		delete(h.ringing, string(m.Call))
	case "reconcile":
		h.ringing = map[string]string{}
		for _, r := range m.Rings {
			h.ringing[string(r.Call)] = string(r.Teammate)
		}
	}
	if m.Kind != "reconcile" && !m.Reconcile {
		h.byCall[string(m.Call)] = append(h.byCall[string(m.Call)], m.ID+" "+m.Kind+" "+string(m.Teammate))
	}
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// wait waits until cond holds of the receiver's state.
func (h *receiver) wait(t *testing.T, ctx context.Context, what string, cond func(ringing map[string]string) bool) {
	t.Helper()
	for {
		h.mu.Lock()
		ok := cond(h.ringing)
		h.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-h.changed:
		case <-ctx.Done():
			h.mu.Lock()
			defer h.mu.Unlock()
			t.Fatalf("the host never saw %s: ringing %v, effects %v", what, h.ringing, h.byCall)
		}
	}
}

// A leader that dies while a call rings: the next leader's webhook tells
// the host which rings stand, and the effects after it arrive; for each
// call the host got every effect the commands produced, once, in log
// order, and its phones match the cluster's state.
func TestWebhooksSurviveALeaderKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := &receiver{seen: map[string]bool{}, ringing: map[string]string{}, byCall: map[string][]string{}, changed: make(chan struct{}, 1)}
	hooks := httptest.NewServer(h)
	defer hooks.Close()
	hook := func() telephony.Telephony {
		w, err := telephony.NewWebhook(telephony.WebhookConfig{URL: hooks.URL, Secret: webhookSecret, Backoff: time.Millisecond, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	nodes := startThreeNodes(t, ctx, hook)
	want := map[string][]string{} // call -> "kind teammate" the commands produced
	run := func(url, method, path, body string) {
		t.Helper()
		var res api.Result
		(client{t: t, base: url, token: token}).do(method, path, body, statusOf(method, path), &res)
		for _, ef := range res.Effects {
			want[string(ef.Call)] = append(want[string(ef.Call)], ef.Kind+" "+string(ef.Teammate))
		}
	}
	run(nodes[0].url, "POST", ws+"/teams", `{"id":"support","name":"Support"}`)
	for _, id := range []string{"ana", "ben"} {
		run(nodes[0].url, "POST", ws+"/teammates", `{"id":"`+id+`","name":"`+id+`"}`)
		run(nodes[0].url, "POST", ws+"/teams/support/members", `{"teammate":"`+id+`"}`)
	}
	run(nodes[0].url, "POST", ws+"/calls", `{"id":"c1","team":"support"}`)
	h.wait(t, ctx, "c1 ringing ana", func(r map[string]string) bool { return r["c1"] == "ana" })

	// The leader dies with c1 ringing.
	leader := killLeader(t, ctx, nodes)
	run(leader.url, "POST", ws+"/calls/c1/decline", `{"teammate":"ana","cause":"button"}`)
	run(leader.url, "POST", ws+"/calls", `{"id":"c2","team":"support"}`)
	run(leader.url, "POST", ws+"/calls/c1/hangup", ``)
	h.wait(t, ctx, "c2 ringing ana alone", func(r map[string]string) bool { return len(r) == 1 && r["c2"] == "ana" })

	h.mu.Lock()
	defer h.mu.Unlock()
	for call, effects := range want {
		var got []string
		var last [2]int
		for _, line := range h.byCall[call] {
			id, rest, _ := strings.Cut(line, " ")
			index, ordinal, _ := strings.Cut(id, ":")
			i, _ := strconv.Atoi(index)
			o, _ := strconv.Atoi(ordinal)
			if i < last[0] || i == last[0] && o <= last[1] {
				t.Fatalf("%s: effects out of order: %v", call, h.byCall[call])
			}
			last = [2]int{i, o}
			got = append(got, rest)
		}
		if strings.Join(got, ";") != strings.Join(effects, ";") {
			t.Fatalf("%s: the host got %v, the commands produced %v", call, got, effects)
		}
	}
}
