// Command host is a CPaaS-style host of phonebalanced, on loopback: the
// kind of program that sits between a telephony provider (Twilio, Vonage,
// Telnyx) and the server. It receives the server's signed webhooks,
// "rings" its simulated teammates' phones by reporting each answer,
// decline or miss back through the Go client, reports a chat assignment
// (the next call then goes to someone else), and prints the timelines.
//
//	echo 'a-webhook-secret-of-16-bytes-or-more' > /tmp/secret
//	go run ./server/cmd/phonebalanced -data /tmp/pb -ring-timeout 3s \
//	    -webhook http://127.0.0.1:9090/webhook -webhook-secret-file /tmp/secret
//	PHONEBALANCE_TOKEN=$(cat /tmp/pb/token) go run ./examples/host -secret-file /tmp/secret
//
// Ana answers, Ben declines, Cleo never picks up (her rings time out).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/eventlog"
)

func main() {
	server := flag.String("server", "http://127.0.0.1:8080", "phonebalanced's base URL")
	listen := flag.String("listen", "127.0.0.1:9090", "where the webhooks arrive (loopback)")
	secretFile := flag.String("secret-file", "", "the webhook secret (phonebalanced's -webhook-secret-file)")
	calls := flag.Int("calls", 3, "calls to place")
	flag.Parse()
	secret, err := os.ReadFile(*secretFile)
	if err != nil {
		log.Fatal("host: -secret-file: ", err)
	}
	token := os.Getenv("PHONEBALANCE_TOKEN")
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal("host: ", err)
	}
	h := newHost(client.New(*server, token), []byte(strings.TrimSpace(string(secret))), os.Stdout)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := h.run(ctx, *calls); err != nil {
		log.Fatal("host: ", err)
	}
}

// phone is how a simulated teammate treats a ring.
type phone int

const (
	answers phone = iota
	declines
	misses
)

// host is the webhook receiver and the simulated phones. Safe for
// concurrent use: the server POSTs effects of different calls at once.
type host struct {
	api    *client.Client
	secret []byte
	out    io.Writer
	phones map[pb.TeammateID]phone
	// pickUp and talk are how long a phone rings before its teammate acts,
	// and how long an answered call lasts.
	pickUp, talk time.Duration

	mu   sync.Mutex
	seen map[string]bool // Idempotency-Keys carried out
	done map[pb.CallID]chan struct{}
	wg   sync.WaitGroup
}

func newHost(api *client.Client, secret []byte, out io.Writer) *host {
	return &host{api: api, secret: secret, out: out, pickUp: 300 * time.Millisecond, talk: time.Second,
		phones: map[pb.TeammateID]phone{"ana": answers, "ben": declines, "cleo": misses},
		seen:   map[string]bool{}, done: map[pb.CallID]chan struct{}{}}
}

func (h *host) printf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(h.out, format, args...)
}

// ServeHTTP receives one webhook: it checks the signature, carries each
// effect out once (by its Idempotency-Key) and answers 200 at once; the
// teammate's reaction is reported back through the API afterwards.
func (h *host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || client.VerifySignature(h.secret, body, r.Header.Get(client.SignatureHeader), time.Now(), 5*time.Minute) != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ef client.WebhookEffect
	if err := json.Unmarshal(body, &ef); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	h.mu.Lock()
	dup := h.seen[key]
	h.seen[key] = true
	h.mu.Unlock()
	if dup {
		return
	}
	switch ef.Kind {
	case "ring":
		h.printf("webhook %-6s ring %s for %s\n", ef.ID, ef.Teammate, ef.Call)
		h.wg.Add(1)
		go h.ring(ef.Call, ef.Teammate)
	case "stop_ringing":
		h.printf("webhook %-6s stop ringing %s for %s\n", ef.ID, ef.Teammate, ef.Call)
	case "deflect":
		h.printf("webhook %-6s deflect %s (%v)\n", ef.ID, ef.Call, ef.Deflection)
	case "reconcile":
		h.printf("webhook reconcile: %d rings\n", len(ef.Rings))
	}
}

// ring is the teammate's phone ringing for call: they answer (and hang up
// after a while), decline, or let it ring.
func (h *host) ring(call pb.CallID, tm pb.TeammateID) {
	defer h.wg.Done()
	time.Sleep(h.pickUp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch h.phones[tm] {
	case answers:
		if _, err := h.api.Answer(ctx, call, tm); err != nil {
			h.printf("answer %s: %v\n", call, err)
			return
		}
		time.Sleep(h.talk)
		if _, err := h.api.End(ctx, call, eventlog.ByTeammate); err != nil {
			h.printf("end %s: %v\n", call, err)
		}
		h.finished(call)
	case declines:
		if _, err := h.api.Decline(ctx, call, tm, eventlog.DeclineButton); err != nil {
			h.printf("decline %s: %v\n", call, err)
		}
	}
}

func (h *host) finished(call pb.CallID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ch, ok := h.done[call]; ok {
		close(ch)
		delete(h.done, call)
	}
}

// setup adds the Support team and its teammates; what exists already is
// kept.
func (h *host) setup(ctx context.Context) error {
	ok := func(_ client.Result, err error) error {
		switch client.Code(err) {
		case "duplicate_team", "duplicate_teammate", "duplicate_member":
			return nil
		}
		return err
	}
	if err := ok(h.api.AddTeam(ctx, client.AddTeamRequest{ID: "support", Name: "Support"})); err != nil {
		return err
	}
	for _, id := range []pb.TeammateID{"ana", "ben", "cleo"} {
		if err := ok(h.api.AddTeammate(ctx, client.AddTeammateRequest{ID: id, Name: strings.ToUpper(string(id[:1])) + string(id[1:])})); err != nil {
			return err
		}
		if err := ok(h.api.AddMember(ctx, "support", id)); err != nil {
			return err
		}
	}
	return nil
}

// run sets the workspace up, reports a chat assigned to the teammate next
// in line (the next call goes to someone else), places the calls one after
// the other, and prints each call's timeline once it has ended.
func (h *host) run(ctx context.Context, calls int) error {
	if err := h.setup(ctx); err != nil {
		return err
	}
	team, err := h.api.Team(ctx, "support")
	if err != nil {
		return err
	}
	if len(team.OfferOrder) > 0 {
		next := team.OfferOrder[0]
		if _, err := h.api.ReportAssignment(ctx, next); err != nil {
			return err
		}
		team, _ = h.api.Team(ctx, "support")
		h.printf("%s was assigned a chat; the offer order is now %v\n", next, team.OfferOrder)
	}
	stamp := time.Now().Format("150405")
	for i := 1; i <= calls; i++ {
		id := pb.CallID(fmt.Sprintf("call-%s-%d", stamp, i))
		done := make(chan struct{})
		h.mu.Lock()
		h.done[id] = done
		h.mu.Unlock()
		res, err := h.api.Arrive(ctx, id, "support")
		if err != nil {
			return err
		}
		h.printf("%s arrived: %d effects\n", id, len(res.Effects))
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		tl, err := h.api.Timeline(ctx, id)
		if err != nil {
			return err
		}
		h.printf("Call %s\n", id)
		for _, line := range tl.Text {
			h.printf("  %s\n", line)
		}
	}
	h.wg.Wait()
	return nil
}
