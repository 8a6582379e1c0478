package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/client"
)

var secret = []byte("a-webhook-secret-of-16-bytes")

// api is a stand-in for phonebalanced that records the commands it gets.
type api struct {
	mu   sync.Mutex
	got  []string
	seen chan string
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	line := r.Method + " " + r.URL.Path + " " + string(bytes.TrimSpace(b))
	a.mu.Lock()
	a.got = append(a.got, line)
	a.mu.Unlock()
	a.seen <- line
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"events":[],"effects":[]}`)
}

func post(t *testing.T, url string, ef client.WebhookEffect, key string, sign []byte) int {
	t.Helper()
	body := []byte(`{"id":"` + ef.ID + `","workspace":"default","kind":"` + ef.Kind + `","call":"` + string(ef.Call) + `","teammate":"` + string(ef.Teammate) + `"}`)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set(client.SignatureHeader, client.Sign(sign, body, time.Now()))
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The host checks each webhook's signature, carries each effect out once,
// and reports its teammates' reactions through the client: Ana answers and
// ends the call, Ben declines, Cleo lets it ring.
func TestHostReportsWhatThePhonesDo(t *testing.T) {
	fake := &api{seen: make(chan string, 16)}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	h := newHost(client.New(srv.URL, "tok"), secret, io.Discard)
	h.pickUp, h.talk = time.Millisecond, time.Millisecond
	hooks := httptest.NewServer(h)
	defer hooks.Close()

	if code := post(t, hooks.URL, client.WebhookEffect{ID: "1:0", Effect: client.Effect{Kind: "ring", Call: "c1", Teammate: "ana"}}, "1:0", []byte("another-secret-0123456")); code != http.StatusUnauthorized {
		t.Fatalf("a forged webhook: %d", code)
	}
	for _, key := range []string{"2:0", "2:0"} { // the second is a retry
		if code := post(t, hooks.URL, client.WebhookEffect{ID: "2:0", Effect: client.Effect{Kind: "ring", Call: "c1", Teammate: "ana"}}, key, secret); code != http.StatusOK {
			t.Fatalf("ring: %d", code)
		}
	}
	post(t, hooks.URL, client.WebhookEffect{ID: "3:0", Effect: client.Effect{Kind: "ring", Call: "c2", Teammate: "ben"}}, "3:0", secret)
	post(t, hooks.URL, client.WebhookEffect{ID: "4:0", Effect: client.Effect{Kind: "ring", Call: "c3", Teammate: "cleo"}}, "4:0", secret)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 3 {
		select {
		case <-fake.seen:
		case <-ctx.Done():
			t.Fatal("the host did not report")
		}
	}
	h.wg.Wait()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	slices.Sort(fake.got)
	want := []string{
		`POST /v1/workspaces/default/calls/c1/answer {"teammate":"ana"}`,
		`POST /v1/workspaces/default/calls/c1/end {"by":"teammate"}`,
		`POST /v1/workspaces/default/calls/c2/decline {"teammate":"ben","cause":"button"}`,
	}
	if strings.Join(fake.got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s", strings.Join(fake.got, "\n"))
	}
}
