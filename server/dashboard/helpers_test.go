package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

const testToken = "s3cret-token"

// tokens is a Verifier of test tokens, each a principal (no constant
// time: tests only).
type tokens map[string]httpedge.Principal

func (t tokens) Verify(secret string) (httpedge.Principal, bool) {
	p, ok := t[secret]
	return p, ok
}

// hostOf is the principal of workspace ws's host token.
func hostOf(ws string) httpedge.Principal {
	return httpedge.Principal{Name: "token", Role: httpedge.RoleHost, Workspace: ws}
}

// testTokens verifies testToken as the default workspace's host.
var testTokens = tokens{testToken: hostOf(httpedge.DefaultWorkspace)}

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
	if cfg.Verifier == nil {
		cfg.Verifier = testTokens
	}
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

// sectionNames are a message's sections, in a fixed order.
var sectionNames = []string{"summary", "teams", "teammates", "calls", "advice"}

func (m sseMsg) sections(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(m.data), &p); err != nil {
		t.Fatalf("message data %q: %v", m.data, err)
	}
	for _, k := range []string{"at", "index"} {
		if _, ok := p[k]; !ok {
			t.Fatalf("message without %q: %s", k, m.data)
		}
		delete(p, k)
	}
	return p
}

func sectionKeys(secs map[string]json.RawMessage) string {
	var ks []string
	for _, n := range sectionNames {
		if _, ok := secs[n]; ok {
			ks = append(ks, n)
		}
	}
	return strings.Join(ks, ",")
}

// page is a stream's tables as a client that applies every message holds
// them, the way the page's script does: rows by ID, in order.
type page struct {
	summary, advice     json.RawMessage
	teams, calls, mates clientTable
	total, matched      int
	offset, limit       int
}

type clientTable struct {
	rows  map[string]json.RawMessage
	order []string
}

// rows returns the table's rows in order.
func (c *clientTable) list() []json.RawMessage {
	out := make([]json.RawMessage, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.rows[id])
	}
	return out
}

func (c *clientTable) apply(t *testing.T, raw json.RawMessage) {
	t.Helper()
	var m tableMsg
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("table %s: %v", raw, err)
	}
	if m.Reset || c.rows == nil {
		c.rows, c.order = map[string]json.RawMessage{}, nil
	}
	for _, r := range m.Upsert {
		var k struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r, &k); err != nil || k.ID == "" {
			t.Fatalf("row without an id: %s", r)
		}
		c.rows[k.ID] = r
	}
	for _, id := range m.Remove {
		delete(c.rows, id)
	}
	if m.Order != nil {
		c.order = m.Order
	} else {
		c.order = slices.DeleteFunc(c.order, func(id string) bool { _, ok := c.rows[id]; return !ok })
	}
	if len(c.order) != len(c.rows) {
		t.Fatalf("%d rows but an order of %d: %s", len(c.rows), len(c.order), raw)
	}
	for _, id := range c.order {
		if _, ok := c.rows[id]; !ok {
			t.Fatalf("order names %q, which has no row: %s", id, raw)
		}
	}
}

// apply applies one message, as the page does.
func (p *page) apply(t *testing.T, m sseMsg) {
	t.Helper()
	secs := m.sections(t)
	if m.event == "snapshot" && sectionKeys(secs) != "summary,teams,teammates,calls,advice" {
		t.Fatalf("snapshot with sections %q", sectionKeys(secs))
	}
	if b, ok := secs["summary"]; ok {
		p.summary = b
	}
	if b, ok := secs["advice"]; ok {
		p.advice = b
	}
	if b, ok := secs["teams"]; ok {
		p.teams.apply(t, b)
	}
	if b, ok := secs["calls"]; ok {
		p.calls.apply(t, b)
	}
	if b, ok := secs["teammates"]; ok {
		p.mates.apply(t, b)
		var where struct{ Total, Matched, Offset, Limit int }
		if err := json.Unmarshal(b, &where); err != nil {
			t.Fatal(err)
		}
		p.total, p.matched, p.offset, p.limit = where.Total, where.Matched, where.Offset, where.Limit
	}
}

// mates decodes the teammate rows the client shows, in order.
func (p *page) mateRows(t *testing.T) []TeammateRow {
	t.Helper()
	var out []TeammateRow
	for _, b := range p.mates.list() {
		var r TeammateRow
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
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
	return streamView(t, ts, "", lastID)
}

// streamView opens the live stream with the query query ("q=…&offset=…").
func streamView(t *testing.T, ts *httptest.Server, query, lastID string) *sseClient {
	t.Helper()
	return streamAs(t, ts, testToken, query, lastID)
}

// streamAs opens the live stream with token as the Bearer credential.
func streamAs(t *testing.T, ts *httptest.Server, token, query, lastID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/dashboard/events?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
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
