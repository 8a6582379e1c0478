package dashboard

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A new stream gets the whole state, then only the sections that changed.
func TestStreamSnapshotThenDeltas(t *testing.T) {
	s, ts, src, _ := newTestServer(t, Config{})
	c := stream(t, ts, "")
	first := c.next()
	if first.event != "snapshot" {
		t.Fatalf("first message is %q, want snapshot", first.event)
	}
	if got := sectionKeys(first.sections(t)); got != "summary,teams,teammates,calls,advice" {
		t.Fatalf("snapshot sections %q", got)
	}
	if !strings.Contains(first.data, `"name":"Ana"`) {
		t.Fatalf("snapshot lacks the teammate: %s", first.data)
	}

	src.set(func(st *State) { st.Teammates[0].Channel = "Phone" })
	s.Notify(7)
	d := c.next()
	if d.event != "delta" || sectionKeys(d.sections(t)) != "teammates" {
		t.Fatalf("got %s with %q, want a delta of teammates only", d.event, sectionKeys(d.sections(t)))
	}
	// (Which index a render reports is racy by nature: the state and the
	// index are read at different instants; TestBurstCoalesces checks it.)
	if !strings.Contains(d.data, `"channel":"Phone"`) || !strings.Contains(d.data, `"index":`) {
		t.Fatalf("delta %s", d.data)
	}
	if d.id == first.id {
		t.Fatalf("delta reuses id %q", d.id)
	}

	// A burst of notifications with nothing changed sends nothing; the
	// next change arrives alone.
	for i := range 50 {
		s.Notify(uint64(8 + i))
	}
	src.set(func(st *State) { st.Summary.Completed = 3 })
	s.Notify(100)
	d2 := c.next()
	if sectionKeys(d2.sections(t)) != "summary" || !strings.Contains(d2.data, `"completed":3`) {
		t.Fatalf("second delta %s", d2.data)
	}
}

// A render that changes nothing publishes nothing.
func TestUnchangedStateIsNotPublished(t *testing.T) {
	src := &fakeSource{st: baseState()}
	cfg, err := (Config{Source: src, Submit: (&submitted{}).submit, CheckToken: func(string) bool { return false },
		Refresh: -1}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{cfg: cfg, subs: map[*subscriber]struct{}{}, epoch: "e"}
	h.ctx, h.cancel = t.Context(), func() {}
	h.render()
	h.render()
	if h.seq != 1 {
		t.Fatalf("seq %d after two renders of the same state, want 1", h.seq)
	}
	src.set(func(st *State) { st.Advice = []TeamAdvice{{Team: "support", Needed: 2}} })
	h.render()
	if h.seq != 2 {
		t.Fatalf("seq %d after a change, want 2", h.seq)
	}
	m, ok := h.since(1)
	if !ok || m.event != "delta" || !strings.Contains(string(m.data), `"needed":2`) ||
		strings.Contains(string(m.data), `"teams"`) {
		t.Fatalf("since(1) = %v %s %s", ok, m.event, m.data)
	}
	if _, ok := h.since(2); ok {
		t.Fatal("since(current) returned a message")
	}
}

// A reconnecting browser sends Last-Event-ID and gets what changed since,
// merged into one delta; an id from another process or older than the
// history gets a fresh snapshot.
func TestResumeWithLastEventID(t *testing.T) {
	s, ts, src, _ := newTestServer(t, Config{History: 3})
	watch := stream(t, ts, "")
	first := watch.next()

	src.set(func(st *State) { st.Teams[0].InQueue = 2 })
	s.Notify(1)
	watch.next()
	src.set(func(st *State) { st.Summary.Active = 1 })
	s.Notify(2)
	third := watch.next()

	c := stream(t, ts, first.id)
	m := c.next()
	if m.event != "delta" || m.id != third.id || sectionKeys(m.sections(t)) != "summary,teams" {
		t.Fatalf("resume from %s: %s %s %q, want a delta %s of summary,teams", first.id, m.event, m.id,
			sectionKeys(m.sections(t)), third.id)
	}

	// Up to date: nothing until the next change, which comes alone.
	upToDate := stream(t, ts, third.id)
	src.set(func(st *State) { st.Calls = []CallRow{{ID: "c1", Stage: "queued"}} })
	s.Notify(3)
	if m := upToDate.next(); m.event != "delta" || sectionKeys(m.sections(t)) != "calls" {
		t.Fatalf("up-to-date resume got %s %q first", m.event, sectionKeys(m.sections(t)))
	}
	watch.next()

	for _, id := range []string{"otherepoch-2", "garbage", strings.SplitN(first.id, "-", 2)[0] + "-999"} {
		if m := stream(t, ts, id).next(); m.event != "snapshot" {
			t.Fatalf("Last-Event-ID %q: got %s, want a snapshot", id, m.event)
		}
	}

	// Push the first id out of the history (3 records).
	for i := range 3 {
		src.set(func(st *State) { st.Summary.Callbacks = 10 + i })
		s.Notify(uint64(10 + i))
		watch.next()
	}
	if m := stream(t, ts, first.id).next(); m.event != "snapshot" ||
		sectionKeys(m.sections(t)) != "summary,teams,teammates,calls,advice" {
		t.Fatalf("resume from a forgotten id: got %s %q, want a full snapshot", m.event, sectionKeys(m.sections(t)))
	}
}

// Streams beyond MaxSubscribers are refused with 503 until one closes.
func TestSubscriberBound(t *testing.T) {
	s, ts, _, _ := newTestServer(t, Config{MaxSubscribers: 2})
	a := stream(t, ts, "")
	a.next()
	b := stream(t, ts, "")
	b.next()

	req, _ := http.NewRequest("GET", ts.URL+"/dashboard/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third stream: status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode,
			resp.Header.Get("Retry-After"))
	}

	a.close()
	waitFor(t, "the closed stream to be released", func() bool { return s.hub.watchers() == 1 })
	stream(t, ts, "").next()
}

// Idle streams get comment lines.
func TestHeartbeat(t *testing.T) {
	_, ts, _, _ := newTestServer(t, Config{Heartbeat: 5 * time.Millisecond})
	c := stream(t, ts, "")
	c.next()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.msgs:
			if strings.HasPrefix(m.comment, "heartbeat") {
				return
			}
		case <-timeout:
			t.Fatal("no heartbeat")
		}
	}
}

// A client that stops reading is dropped once a write misses its deadline,
// and meanwhile the others keep getting every change.
func TestSlowClientIsDroppedOthersKeepUp(t *testing.T) {
	s, ts, src, _ := newTestServer(t, Config{WriteTimeout: 100 * time.Millisecond})
	good := stream(t, ts, "")
	good.next()

	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /dashboard/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n",
		ts.Listener.Addr(), testToken)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(status, "200") {
		t.Fatalf("slow client: %q %v", status, err)
	}
	waitFor(t, "two streams", func() bool { return s.hub.watchers() == 2 })
	// From here on the slow client reads nothing. Each state is ~256 KiB,
	// so socket buffers fill within a few dozen messages.
	big := strings.Repeat("x", 256<<10)
	for i := 0; s.hub.watchers() == 2; i++ {
		if i == 400 {
			t.Fatal("the slow client was never dropped")
		}
		marker := fmt.Sprintf("v%d-", i)
		src.set(func(st *State) { st.Teammates[0].Name = marker + big })
		s.Notify(uint64(i + 1))
		for {
			m := good.next()
			if strings.Contains(m.data, marker) {
				break
			}
		}
	}
}

// gatedSource blocks each State call until the test lets it through.
type gatedSource struct {
	entered chan struct{}
	gate    chan struct{}
	calls   atomic.Int64
}

func (g *gatedSource) State(ctx context.Context) (State, error) {
	g.calls.Add(1)
	g.entered <- struct{}{}
	select {
	case <-g.gate:
	case <-ctx.Done():
	}
	return baseState(), nil
}

// A burst of notifications while a render runs makes one more render, not
// one per notification.
func TestBurstCoalesces(t *testing.T) {
	g := &gatedSource{entered: make(chan struct{}), gate: make(chan struct{})}
	s, err := New(Config{Source: g, Submit: (&submitted{}).submit, CheckToken: func(string) bool { return false },
		Coalesce: time.Millisecond, Refresh: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	step := func() {
		t.Helper()
		select {
		case <-g.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("no render")
		}
		g.gate <- struct{}{}
	}
	<-g.entered // the first render, held
	for i := range 1000 {
		s.Notify(uint64(i + 1))
	}
	g.gate <- struct{}{}
	step() // one render for the whole burst
	s.Notify(5000)
	step() // and one for the next notification
	if n := g.calls.Load(); n != 3 {
		t.Fatalf("%d renders for 1 start, a burst of 1000 and 1 notification; want 3", n)
	}
	if got := s.hub.index.Load(); got != 5000 {
		t.Fatalf("index %d, want 5000", got)
	}
}

// Each write sets its own deadline, so a server's WriteTimeout does not cut
// the stream: heartbeats keep arriving long after it.
func TestStreamOutlivesServerWriteTimeout(t *testing.T) {
	s, _, _, _ := newTestServer(t, Config{Heartbeat: 2 * time.Millisecond})
	ts := httptest.NewUnstartedServer(s)
	ts.Config.WriteTimeout = 20 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close) // after the stream's own cleanup closes it
	c := stream(t, ts, "")
	c.next()
	start := time.Now()
	beats := 0
	timeout := time.After(10 * time.Second)
	// Enough heartbeats to span several WriteTimeouts.
	for beats < 10 || time.Since(start) < 5*ts.Config.WriteTimeout {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				t.Fatalf("stream cut after %d heartbeats, %v", beats, time.Since(start))
			}
			if strings.HasPrefix(m.comment, "heartbeat") {
				beats++
			}
		case <-timeout:
			t.Fatal("heartbeats stopped")
		}
	}
}
