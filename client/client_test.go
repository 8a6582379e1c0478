package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/eventlog"
)

// A write refused with 503 not_leader or no_leader is sent again, with
// the same Idempotency-Key, until the cluster takes it; the typed method
// decodes the answer.
func TestRetriesKeepTheIdempotencyKey(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("authorization %q", r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "application/json")
		switch len(keys) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"code":"no_leader","error":"electing"}`)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"code":"not_leader","error":"moved"}`)
		default:
			var req client.TeammateRequest
			if err := json.NewDecoder(r.Body).Decode(&req); r.URL.Path != "/v1/workspaces/default/calls/c1/hold" && (err != nil || req.Teammate != "ana") {
				t.Errorf("body %+v %v", req, err)
			}
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"events":[{"seq":1,"at":"2026-03-02T09:00:00Z","kind":"call_answered","call":"c/1"}],"effects":[]}`)
		}
	}))
	defer srv.Close()
	c := client.New(srv.URL, "tok", client.WithRetries(5, time.Millisecond))
	res, err := c.Answer(context.Background(), "c/1", "ana")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 || res.Events[0].Kind != eventlog.CallAnswered {
		t.Fatalf("result %+v", res)
	}
	if len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("keys %q: want one key, sent three times", keys)
	}
	if paths[0] != "POST /v1/workspaces/default/calls/c%2F1/answer" {
		t.Fatalf("path %s", paths[0])
	}
	// A second write has a key of its own; a key given in the context is
	// used as it is.
	keys = nil
	ctx := client.WithIdempotencyKey(context.Background(), "host-key-1")
	if _, err := c.Hold(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if keys[0] != "host-key-1" {
		t.Fatalf("key %q", keys[0])
	}
}

// A refusal that retrying cannot change is returned at once as an *Error
// with the server's code; reads carry no Idempotency-Key.
func TestRefusalsAreTypedAndNotRetried(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.Header.Get("Idempotency-Key") != "" {
			t.Errorf("a read carried an Idempotency-Key")
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"code":"unknown_call","error":"assign: unknown call: \"c9\""}`)
	}))
	defer srv.Close()
	c := client.New(srv.URL, "tok", client.WithRetries(5, time.Millisecond), client.WithWorkspace("w 2"))
	_, err := c.Call(context.Background(), "c9")
	if client.Code(err) != "unknown_call" || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	var e *client.Error
	if ok := asError(err, &e); !ok || e.Status != http.StatusNotFound {
		t.Fatalf("err %#v", err)
	}
}

// Retries stop when ctx ends, with the last refusal.
func TestRetriesAreBoundedByTheContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"code":"no_leader","error":"electing"}`)
	}))
	defer srv.Close()
	c := client.New(srv.URL, "tok", client.WithRetries(1000, time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.HangUp(ctx, "c1")
	if client.Code(err) != "no_leader" && ctx.Err() == nil {
		t.Fatalf("err %v", err)
	}
}

func asError(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	*target = e
	return ok
}

// The effects stream reconnects after a dropped connection and resumes
// from the last ID it handled; a gap event reaches the handler.
func TestStreamEffectsResumes(t *testing.T) {
	var mu sync.Mutex
	var lastIDs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		n := len(lastIDs)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		if n == 1 {
			_, _ = io.WriteString(w, "id: 5:0\nevent: effect\ndata: {\"id\":\"5:0\",\"kind\":\"ring\",\"call\":\"c1\",\"teammate\":\"ana\"}\n\n")
			return // the node dies
		}
		_, _ = io.WriteString(w, "event: gap\ndata: {}\n\nid: 9:1\nevent: effect\ndata: {\"id\":\"9:1\",\"kind\":\"stop_ringing\",\"call\":\"c1\",\"teammate\":\"ana\"}\n\n")
	}))
	defer srv.Close()
	c := client.New(srv.URL, "tok", client.WithRetries(3, time.Millisecond))
	var got []string
	done := errors.New("done")
	err := c.StreamEffects(context.Background(), "", func(ef client.WebhookEffect, gap error) error {
		if gap != nil {
			got = append(got, "gap")
			return nil
		}
		got = append(got, ef.ID+" "+ef.Kind)
		if len(got) == 3 {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) || strings.Join(got, ",") != "5:0 ring,gap,9:1 stop_ringing" {
		t.Fatalf("err %v, got %v", err, got)
	}
	if lastIDs[0] != "" || lastIDs[1] != "5:0" {
		t.Fatalf("Last-Event-IDs %q", lastIDs)
	}
}

// The callback methods post to their routes with no body, and decode the
// events the server answers with, the new kinds included (rule LC5).
func TestCallbackMethods(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		if b, _ := io.ReadAll(r.Body); len(b) != 0 {
			t.Errorf("%s: body %q", r.URL.Path, b)
		}
		w.Header().Set("Content-Type", "application/json")
		kind := `"callback_requested","keeps_place":true`
		if strings.HasSuffix(r.URL.Path, "/unreached") {
			kind = `"callback_unreached"`
		}
		_, _ = io.WriteString(w, `{"events":[{"seq":1,"at":"2026-03-02T09:00:00Z","kind":`+kind+`,"call":"c1"}],"effects":[]}`)
	}))
	defer srv.Close()
	c := client.New(srv.URL, "tok")
	res, err := c.QueueCallback(context.Background(), "c1")
	if err != nil || len(res.Events) != 1 || res.Events[0].Kind != eventlog.CallbackRequested || !res.Events[0].KeepsPlace {
		t.Fatalf("QueueCallback: %+v, %v", res, err)
	}
	res, err = c.CallbackUnreached(context.Background(), "c1")
	if err != nil || len(res.Events) != 1 || res.Events[0].Kind != eventlog.CallbackUnreached {
		t.Fatalf("CallbackUnreached: %+v, %v", res, err)
	}
	want := []string{"POST /v1/workspaces/default/calls/c1/callback/queued", "POST /v1/workspaces/default/calls/c1/callback/unreached"}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Fatalf("paths %q, want %q", paths, want)
	}
}

// An answer that sending again cannot change is not retried: a 2xx body
// that does not decode, or a base URL that makes no request.
func TestUndecodableAnswersAreNotRetried(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `not json`)
	}))
	defer srv.Close()
	c := client.New(srv.URL, "tok", client.WithRetries(5, time.Millisecond))
	_, err := c.HangUp(context.Background(), "c1")
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) || calls != 1 {
		t.Fatalf("err %v after %d calls, want a JSON syntax error after 1", err, calls)
	}
	// A retry would wait an hour: ctx ends first, and must not have.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bad := client.New("http://127.0.0.1:1\x7f", "tok", client.WithRetries(1000, time.Hour))
	if _, err := bad.HangUp(ctx, "c1"); err == nil || ctx.Err() != nil {
		t.Fatalf("a malformed base URL: err %v, retried until %v", err, ctx.Err())
	}
}

// The effects stream returns a refusal that retrying cannot change (a
// wrong token) as an *Error at once, and keeps retrying one that can.
func TestStreamEffectsReturnsRefusals(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"code":"no_leader","error":"electing"}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"code":"unauthorized","error":"bad token"}`)
	}))
	defer srv.Close()
	c := client.New(srv.URL, "tok", client.WithRetries(3, time.Millisecond))
	// Retried, the refusal would go on until ctx ends.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.StreamEffects(ctx, "", func(client.WebhookEffect, error) error { return nil })
	if client.Code(err) != "unauthorized" || ctx.Err() != nil || calls != 2 {
		t.Fatalf("err %v after %d requests (ctx %v)", err, calls, ctx.Err())
	}
}
