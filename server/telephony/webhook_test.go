package telephony_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

var secret = []byte("webhook-secret-0123456789")

// host is a webhook receiver as a CPaaS host writes one: it verifies the
// signature, drops effects it has carried out (by Idempotency-Key), and
// keeps its phones: which teammate rings for which call.
type host struct {
	mu       sync.Mutex
	seen     map[string]bool
	ringing  map[string]string // call -> teammate
	log      []string          // effects carried out, in order
	attempts []string          // every Idempotency-Key received
	answer   func(n int) int   // status of the n-th POST (from 1); nil: 200
}

func newHost() *host { return &host{seen: map[string]bool{}, ringing: map[string]string{}} }

func (h *host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := client.VerifySignature(secret, body, r.Header.Get(client.SignatureHeader), time.Now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	h.attempts = append(h.attempts, key)
	if h.answer != nil {
		if st := h.answer(len(h.attempts)); st != http.StatusOK {
			w.WriteHeader(st)
			return
		}
	}
	if h.seen[key] {
		return
	}
	h.seen[key] = true
	var m client.WebhookEffect
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch m.Kind {
	case "ring":
		h.ringing[string(m.Call)] = string(m.Teammate)
	case "stop_ringing":
		delete(h.ringing, string(m.Call))
	case "reconcile":
		want := map[string]string{}
		for _, r := range m.Rings {
			want[string(r.Call)] = string(r.Teammate)
		}
		h.ringing = want
	}
	h.log = append(h.log, m.ID+" "+m.Kind+" "+string(m.Call)+" "+string(m.Teammate))
}

func (h *host) state() (map[string]string, []string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.ringing), slices.Clone(h.log), slices.Clone(h.attempts)
}

func newWebhook(t *testing.T, url string) *telephony.Webhook {
	t.Helper()
	w, err := telephony.NewWebhook(telephony.WebhookConfig{URL: url, Secret: secret, Backoff: time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// A 5xx is retried with the same Idempotency-Key and a valid signature; a
// 4xx is a definite refusal returned at once; the body carries the
// effect's stable ID.
func TestWebhookRetriesAndRefusals(t *testing.T) {
	h := newHost()
	h.answer = func(n int) int {
		switch n {
		case 1, 2:
			return http.StatusBadGateway
		case 4:
			return http.StatusGone
		}
		return http.StatusOK
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	w := newWebhook(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), failBound)
	defer cancel()
	ef := telephony.Effect{Effect: ring("c1", "ana"), Workspace: "default", ID: replica.EffectID{Index: 7, Ordinal: 1}}
	if err := w.Execute(ctx, ef); err != nil {
		t.Fatal(err)
	}
	_, log, attempts := h.state()
	if !slices.Equal(attempts, []string{"7:1", "7:1", "7:1"}) || !slices.Equal(log, []string{"7:1 ring c1 ana"}) {
		t.Fatalf("attempts %v, log %v", attempts, log)
	}
	var refused *telephony.RefusedError
	if err := w.Execute(ctx, telephony.Effect{Effect: ring("c2", "ben"), ID: replica.EffectID{Index: 8}}); !errors.As(err, &refused) || refused.Status != http.StatusGone {
		t.Fatalf("a 410 is a refusal: %v", err)
	}
	if _, _, attempts = h.state(); len(attempts) != 4 {
		t.Fatalf("the refusal was retried: %v", attempts)
	}
	// A receiver that never recovers: Execute gives up when ctx ends.
	h.answer = func(int) int { return http.StatusServiceUnavailable }
	short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
	defer stop()
	if err := w.Execute(short, telephony.Effect{Effect: ring("c3", "ben"), ID: replica.EffectID{Index: 9}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	// A forged signature is refused by the host's check.
	if err := client.VerifySignature(secret, []byte(`{}`), client.Sign([]byte("another-secret-0123"), []byte(`{}`), time.Now()), time.Now(), time.Minute); !errors.Is(err, client.ErrBadSignature) {
		t.Fatalf("forged: %v", err)
	}
	if err := client.VerifySignature(secret, []byte(`{}`), client.Sign(secret, []byte(`{}`), time.Now().Add(-time.Hour)), time.Now(), time.Minute); !errors.Is(err, client.ErrBadSignature) {
		t.Fatalf("replayed: %v", err)
	}
}

// A Ring the host refuses (4xx) becomes a connectivity decline at once:
// the call rings the next teammate.
//
// Rule: AS6
func TestWebhookRefusedRingDeclines(t *testing.T) {
	h := newHost()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"teammate":"ana"`) && strings.Contains(string(body), `"kind":"ring"`) {
			http.Error(w, "ana's phone is unreachable", http.StatusUnprocessableEntity)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	disp, doer := newDispatcher(t, newWebhook(t, srv.URL), 0)
	disp.Deliver(replica.Delivery{Workspace: "ws", Index: 5, Effects: []assign.Effect{ring("c1", "ana")}})
	settle(t, disp)
	got := doer.got()
	if len(got) != 1 || got[0].Op != assign.OpDecline || got[0].Teammate != "ana" || got[0].Decline != eventlog.DeclineConnectivity {
		t.Fatalf("commands %+v", got)
	}
}

// The leader dies after committing a call's end and another call's ring
// that it never sent: the next leader's webhook tells the host the rings
// its state implies, so the host stops the stale ring and starts the new
// one. Nothing is lost; each call's effects arrive in log order.
func TestWebhookSurvivesALeaderKill(t *testing.T) {
	h := newHost()
	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := t.TempDir()
	disp1, _ := newDispatcher(t, newWebhook(t, srv.URL), 0)
	var dead atomic.Bool // the killed leader hands nothing more over
	first := openLeader(t, dir, func(dl replica.Delivery) {
		if !dead.Load() {
			disp1.Deliver(dl)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), failBound)
	defer cancel()
	online := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	do := func(n *replica.Node, cmds ...assign.Command) {
		t.Helper()
		for _, cmd := range cmds {
			if _, err := n.Do(ctx, "ws", cmd); err != nil {
				t.Fatalf("%v: %v", cmd.Op, err)
			}
		}
	}
	do(first, assign.Command{Op: assign.OpAddTeam, Team: "support", Name: "Support"},
		assign.Command{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana", Presence: online},
		assign.Command{Op: assign.OpAddTeammate, Teammate: "ben", Name: "Ben", Presence: online},
		assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: "ana"},
		assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: "ben"},
		assign.Command{Op: assign.OpArrive, Call: "c1", Team: "support"},
		assign.Command{Op: assign.OpDecline, Call: "c1", Teammate: "ana", Decline: eventlog.DeclineButton})
	if err := first.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	settle(t, disp1)
	if ringing, _, _ := h.state(); ringing["c1"] != "ben" {
		t.Fatalf("before the kill: %v", ringing)
	}
	dead.Store(true)
	do(first, assign.Command{Op: assign.OpEndCall, Call: "c1", By: eventlog.ByCustomer}, // stop c1 ben: never sent
		assign.Command{Op: assign.OpArrive, Call: "c2", Team: "support"}) // ring c2: never sent
	_ = first.Close()

	disp2, _ := newDispatcher(t, newWebhook(t, srv.URL), 0)
	openLeader(t, dir, disp2.Deliver)
	settle(t, disp2)
	ringing, log, _ := h.state()
	if len(ringing) != 1 || ringing["c2"] == "" {
		t.Fatalf("after the kill the host rings %v; log %v", ringing, log)
	}
	// c1's effects, in the order they were sent: ring ana, stop ana
	// (the decline needs none), ring ben.
	var c1 []string
	for _, l := range log {
		if strings.HasSuffix(l, " c1 ana") || strings.HasSuffix(l, " c1 ben") {
			c1 = append(c1, strings.SplitN(l, " ", 2)[1])
		}
	}
	if !slices.Equal(c1, []string{"ring c1 ana", "ring c1 ben"}) {
		t.Fatalf("c1's effects %v", c1)
	}
}
