package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/api"
)

// fakeTelephony records every effect as a line ("ring call-1 ana
// 00:00:30") and can refuse to ring some teammates.
type fakeTelephony struct {
	mu      sync.Mutex
	effects []string
	notify  chan string
	fail    map[pb.TeammateID]error
}

func newFakeTelephony() *fakeTelephony {
	return &fakeTelephony{notify: make(chan string, 1024), fail: map[pb.TeammateID]error{}}
}

func (f *fakeTelephony) record(s string) error {
	f.mu.Lock()
	f.effects = append(f.effects, s)
	f.mu.Unlock()
	f.notify <- s
	return nil
}

func (f *fakeTelephony) Ring(_ context.Context, call pb.CallID, tm pb.TeammateID, until time.Time, auto bool) error {
	f.mu.Lock()
	err := f.fail[tm]
	f.mu.Unlock()
	line := fmt.Sprintf("ring %s %s %s", call, tm, until.Format(time.TimeOnly))
	if auto {
		line += " auto"
	}
	if err != nil {
		line += " failed"
	}
	_ = f.record(line)
	return err
}

func (f *fakeTelephony) StopRinging(_ context.Context, call pb.CallID, tm pb.TeammateID) error {
	return f.record(fmt.Sprintf("stop_ringing %s %s", call, tm))
}

func (f *fakeTelephony) Deflect(_ context.Context, call pb.CallID, team pb.TeamID, why eventlog.Deflection) error {
	return f.record(fmt.Sprintf("deflect %s %s %s", call, team, why))
}

func (f *fakeTelephony) ReassignReplies(_ context.Context, tm pb.TeammateID) error {
	return f.record(fmt.Sprintf("reassign_replies %s", tm))
}

// take returns the effects recorded so far and forgets them.
func (f *fakeTelephony) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.effects
	f.effects = nil
	for len(f.notify) > 0 {
		<-f.notify
	}
	return out
}

// waitFor waits, outside a synctest bubble, until the effect is executed.
func (f *fakeTelephony) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-f.notify:
			if got == want {
				return
			}
		case <-timeout:
			t.Fatalf("telephony never saw %q", want)
		}
	}
}

// eventFeed is the server's JSON lines writer in tests: it decodes each
// line and hands the event over, so a test can wait for an event without
// sleeping. The server writes an event's line after appending it to the
// timeline and the dashboard, so once seen there, it shows there too.
type eventFeed struct {
	ch chan eventlog.Event
}

func newEventFeed() *eventFeed { return &eventFeed{ch: make(chan eventlog.Event, 4096)} }

func (f *eventFeed) Write(p []byte) (int, error) {
	evs, err := eventlog.DecodeJSONLines(bytes.NewReader(p))
	if err != nil {
		return 0, err
	}
	for _, ev := range evs {
		f.ch <- ev
	}
	return len(p), nil
}

// waitFor waits until an event of kind is written for call.
func (f *eventFeed) waitFor(t *testing.T, kind eventlog.Kind, call pb.CallID) eventlog.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-f.ch:
			if ev.Kind == kind && ev.Call == call {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %v event for %s", kind, call)
		}
	}
}

// newServer returns a server with a fake telephony and an event feed,
// closed when the test ends.
func newServer(t *testing.T, cfg api.Config) (*api.Server, *fakeTelephony, *eventFeed) {
	t.Helper()
	tel, feed := newFakeTelephony(), newEventFeed()
	cfg.Telephony, cfg.Events = tel, feed
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, tel, feed
}

// serve calls h directly, as tests inside a synctest bubble must.
func serve(t *testing.T, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, r))
	return rec.Code, rec.Body.String()
}

// mustServe is serve that expects status want and decodes the body into
// out (if not nil).
func mustServe(t *testing.T, h http.Handler, method, path, body string, want int, out any) {
	t.Helper()
	code, resp := serve(t, h, method, path, body)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, code, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, resp)
		}
	}
}

// seed adds team "support" with ana and ben, both available, over HTTP.
func seed(t *testing.T, h http.Handler) {
	t.Helper()
	mustServe(t, h, "POST", "/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	for _, body := range []string{`{"id":"ana","name":"Ana"}`, `{"id":"ben","name":"Ben"}`} {
		mustServe(t, h, "POST", "/teammates", body, http.StatusCreated, nil)
	}
	for _, id := range []string{"ana", "ben"} {
		mustServe(t, h, "POST", "/teams/support/members", `{"teammate":"`+id+`"}`, http.StatusCreated, nil)
	}
}

func kinds(evs []eventlog.Event) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.Kind.String())
	}
	return out
}

func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// sameTime compares instants, which JSON does not bring back with the
// same location.
func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
