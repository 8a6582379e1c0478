package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
)

const testToken = "s3cret-token"

// fakeSource is a Source whose state the test sets.
type fakeSource struct {
	mu    sync.Mutex
	st    State
	calls int
}

func (f *fakeSource) State(context.Context) (State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	// A deep copy: the test changes its slices while the hub encodes.
	b, err := json.Marshal(f.st)
	if err != nil {
		return State{}, err
	}
	var st State
	err = json.Unmarshal(b, &st)
	return st, err
}

func (f *fakeSource) set(change func(st *State)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(&f.st)
}

func baseState() State {
	return State{
		Summary:   Summary{InQueue: 1},
		Teams:     []TeamRow{{ID: "support", Name: "Support"}},
		Teammates: []TeammateRow{{ID: "ana", Name: "Ana", Status: "Active", Channel: "All", Client: "open"}},
		Calls:     []CallRow{},
		Advice:    []TeamAdvice{},
	}
}

// submitted records the commands the page submitted.
type submitted struct {
	mu   sync.Mutex
	cmds []assign.Command
	err  error
}

func (s *submitted) submit(_ context.Context, c assign.Command) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cmds = append(s.cmds, c)
	return s.err
}

func (s *submitted) list() []assign.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]assign.Command(nil), s.cmds...)
}

// newTestServer serves a dashboard over a fake source on 127.0.0.1
// (httptest's default), with fast coalescing and no periodic refresh.
func newTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server, *fakeSource, *submitted) {
	t.Helper()
	src := &fakeSource{st: baseState()}
	sub := &submitted{}
	if cfg.Source == nil {
		cfg.Source = src
	}
	cfg.Submit = sub.submit
	cfg.CheckToken = func(tok string) bool { return tok == testToken }
	if cfg.Coalesce == 0 {
		cfg.Coalesce = time.Millisecond
	}
	if cfg.Refresh == 0 {
		cfg.Refresh = -1
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		_ = s.Close()
	})
	return s, ts, src, sub
}

// sseMsg is one parsed SSE message, or a comment.
type sseMsg struct {
	id, event, data, comment string
}

func (m sseMsg) sections(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var p payload
	if err := json.Unmarshal([]byte(m.data), &p); err != nil {
		t.Fatalf("message data %q: %v", m.data, err)
	}
	return p.Sections
}

func sectionKeys(secs map[string]json.RawMessage) string {
	var ks []string
	for _, n := range sectionNames { // in a fixed order
		if _, ok := secs[n]; ok {
			ks = append(ks, n)
		}
	}
	return strings.Join(ks, ",")
}

type sseClient struct {
	t      *testing.T
	resp   *http.Response
	msgs   chan sseMsg
	cancel context.CancelFunc
}

// stream opens the live stream, with Last-Event-ID lastID if not empty.
func stream(t *testing.T, ts *httptest.Server, lastID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/dashboard/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		resp.Body.Close()
		t.Fatalf("stream: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	c := &sseClient{t: t, resp: resp, msgs: make(chan sseMsg, 1024), cancel: cancel}
	go c.read()
	t.Cleanup(c.close)
	return c
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
}

func (c *sseClient) read() {
	defer close(c.msgs)
	br := bufio.NewReader(c.resp.Body)
	var m sseMsg
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if m != (sseMsg{}) {
				c.msgs <- m
			}
			m = sseMsg{}
		case strings.HasPrefix(line, ":"):
			m.comment = strings.TrimSpace(line[1:])
		default:
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "id":
				m.id = v
			case "event":
				m.event = v
			case "data":
				m.data = v
			}
		}
	}
}

// next returns the next message that is not a comment (or retry line).
func (c *sseClient) next() sseMsg {
	c.t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatal("stream ended")
			}
			if m.event != "" {
				return m
			}
		case <-timeout.C:
			c.t.Fatal("no message within 10 s")
		}
	}
}

// waitFor waits until cond holds, checking each millisecond, or fails
// after 10 s. It waits for a condition, never for time to pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// newLoopbackServer serves h on 127.0.0.1 until the test ends.
func newLoopbackServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}
