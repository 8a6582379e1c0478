package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	pb "github.com/phonebalance/phonebalance"
)

// A new stream gets the whole state, then only the rows and sections that
// changed, keyed by ID.
func TestStreamSnapshotThenDeltas(t *testing.T) {
	s, ts, src, _ := newTestServer(t, Config{})
	src.set(func(st *State) {
		st.Teammates = append(st.Teammates, TeammateRow{ID: "bob", Name: "Bob", Status: "Active", Channel: "All"})
	})
	c := stream(t, ts, "")
	var p page
	first := c.next()
	if first.event != "snapshot" {
		t.Fatalf("first message is %q, want snapshot", first.event)
	}
	p.apply(t, first)
	if rows := p.mateRows(t); len(rows) != 2 || rows[0].Name != "Ana" || rows[1].Name != "Bob" || p.total != 2 {
		t.Fatalf("snapshot teammates %+v (total %d)", rows, p.total)
	}

	src.set(func(st *State) { st.Teammates[1].Channel = "Phone" })
	s.Notify(7)
	d := c.next()
	if d.event != "delta" || sectionKeys(d.sections(t)) != "teammates" {
		t.Fatalf("got %s with %q, want a delta of teammates only", d.event, sectionKeys(d.sections(t)))
	}
	var tm mateMsg
	if err := json.Unmarshal(d.sections(t)["teammates"], &tm); err != nil {
		t.Fatal(err)
	}
	if len(tm.Upsert) != 1 || !strings.Contains(string(tm.Upsert[0]), `"id":"bob"`) ||
		!strings.Contains(string(tm.Upsert[0]), `"channel":"Phone"`) || tm.Order != nil || tm.Remove != nil || tm.Reset {
		t.Fatalf("delta %s, want Bob's row alone", d.data)
	}
	p.apply(t, d)
	if rows := p.mateRows(t); rows[1].Channel != "Phone" || rows[0].Channel != "All" {
		t.Fatalf("after the delta %+v", rows)
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

	// A removed row is named by its ID.
	src.set(func(st *State) { st.Teammates = st.Teammates[1:] })
	s.Notify(101)
	d3 := c.next()
	p.apply(t, d3)
	if !strings.Contains(d3.data, `"remove":["ana"]`) || len(p.mateRows(t)) != 1 || p.total != 1 {
		t.Fatalf("removal %s", d3.data)
	}
}

// With nobody watching, the hub builds nothing however many entries are
// applied; a stream makes it render, and when the last one leaves it
// drops what it rendered.
func TestNothingBuiltWhileUnwatched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fakeSource{st: baseState()}
		s, err := New(Config{Source: src, Submit: (&submitted{}).submit, Verifier: tokens{}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := range 1000 {
			s.Notify(uint64(i + 1))
			if i%100 == 0 {
				time.Sleep(time.Second) // fake time: a refresh tick passes too
			}
		}
		synctest.Wait()
		if n := s.hub.renders.Load(); n != 0 || s.hub.current() != nil {
			t.Fatalf("%d renders with nobody watching (frame %v), want none", n, s.hub.current() != nil)
		}

		sub, err := s.hub.subscribe()
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if n := s.hub.renders.Load(); n != 1 || s.hub.current() == nil {
			t.Fatalf("%d renders for one new stream, want 1", n)
		}
		s.hub.unsubscribe(sub)
		if s.hub.current() != nil {
			t.Fatal("the hub kept its frame after the last stream left")
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := s.hub.renders.Load(); n != 1 {
			t.Fatalf("%d renders after the stream left, want still 1", n)
		}
	})
}

// A render that changes nothing publishes nothing.
func TestUnchangedStateIsNotPublished(t *testing.T) {
	st := baseState()
	f1, changed, err := encodeFrame(st, 1, nil)
	if err != nil || !changed {
		t.Fatalf("first frame: changed %v, %v", changed, err)
	}
	f2, changed, err := encodeFrame(st, 2, f1)
	if err != nil || changed {
		t.Fatalf("the same state: changed %v, %v", changed, err)
	}
	if &f2.mates[0].data[0] != &f1.mates[0].data[0] {
		t.Fatal("an unchanged row was encoded anew instead of shared")
	}
	st.Advice = []TeamAdvice{{Team: "support", Needed: 2}}
	if _, changed, _ := encodeFrame(st, 3, f2); !changed {
		t.Fatal("new advice: not changed")
	}
	st = baseState()
	st.Teammates = append(st.Teammates, TeammateRow{ID: "zed", Name: "Zed"})
	f3, _, _ := encodeFrame(st, 3, f2)
	st.Teammates[0], st.Teammates[1] = st.Teammates[1], st.Teammates[0]
	if _, changed, _ := encodeFrame(st, 4, f3); !changed {
		t.Fatal("rows swapped: not changed")
	}
}

// A stream shows one page of the teammates, searchable; changes off its
// page send no teammate rows, and a row that leaves the page is replaced
// by the next one.
func TestStreamPageAndSearch(t *testing.T) {
	s, ts, src, _ := newTestServer(t, Config{})
	src.set(func(st *State) { st.Teammates = mates(120) })
	c := streamView(t, ts, "offset=20&limit=10", "")
	var p page
	p.apply(t, c.next())
	rows := p.mateRows(t)
	if len(rows) != 10 || rows[0].ID != "m020" || rows[9].ID != "m029" || p.total != 120 || p.matched != 120 ||
		p.offset != 20 || p.limit != 10 {
		t.Fatalf("page %v, total %d, matched %d", ids(rows), p.total, p.matched)
	}

	// Off the page: no teammate rows, just the summary that changed.
	src.set(func(st *State) { st.Teammates[50].Channel = "Phone"; st.Summary.Active = 9 })
	s.Notify(1)
	if m := c.next(); sectionKeys(m.sections(t)) != "summary" {
		t.Fatalf("a change off the page sent %s", m.data)
	}
	// Removing a row of the page shifts the next one in.
	src.set(func(st *State) { st.Teammates = slices.Delete(st.Teammates, 25, 26) })
	s.Notify(2)
	p.apply(t, c.next())
	rows = p.mateRows(t)
	if len(rows) != 10 || slices.Contains(ids(rows), "m025") || rows[9].ID != "m030" || p.total != 119 {
		t.Fatalf("after removing m025: %v total %d", ids(rows), p.total)
	}

	// A search matches names, IDs and team names, case-insensitively.
	for _, tc := range []struct {
		query   string
		matched int
		first   string
	}{
		{"q=MATE+07", 10, "m070"}, // Mate 070 … Mate 079
		{"q=m119", 1, "m119"},
		{"q=odd", 59, "m001"}, // m025 is gone
		{"q=odd&offset=58", 59, "m119"},
		{"q=nobody", 0, ""},
	} {
		c := streamView(t, ts, tc.query, "")
		var p page
		p.apply(t, c.next())
		rows := p.mateRows(t)
		first := ""
		if len(rows) > 0 {
			first = string(rows[0].ID)
		}
		if p.matched != tc.matched || first != tc.first || len(rows) > DefaultPageSize {
			t.Errorf("%s: matched %d, first %q; want %d, %q", tc.query, p.matched, first, tc.matched, tc.first)
		}
		c.close()
	}
}

// mates returns n teammates m000…, named "Mate 000"…, the odd ones in
// team "Odd".
func mates(n int) []TeammateRow {
	out := make([]TeammateRow, n)
	for i := range out {
		team := "Even"
		if i%2 == 1 {
			team = "Odd"
		}
		out[i] = TeammateRow{ID: pbID(fmt.Sprintf("m%03d", i)), Name: fmt.Sprintf("Mate %03d", i),
			Teams: []string{team}, Status: "Active", Channel: "All", Client: "open"}
	}
	return out
}

func pbCall(s string) pb.CallID { return pb.CallID(s) }

func ids(rows []TeammateRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = string(r.ID)
	}
	return out
}

// Whatever the changes (rows added, removed, renamed, reordered, changed),
// a client that applies the deltas holds exactly the page the server
// would send afresh.
func TestDeltasRebuildThePage(t *testing.T) {
	s, ts, src, _ := newTestServer(t, Config{})
	rng := rand.New(rand.NewPCG(1, 2))
	src.set(func(st *State) { st.Teammates = mates(60) })
	c := streamView(t, ts, "q=mate&offset=10&limit=15", "")
	var p page
	p.apply(t, c.next())
	next := 60
	for step := range 200 {
		src.set(func(st *State) {
			ms := st.Teammates
			for range 1 + rng.IntN(4) {
				op := rng.IntN(5)
				if len(ms) < 5 {
					op = 1
				}
				switch i := rng.IntN(len(ms)); op {
				case 0:
					ms = slices.Delete(ms, i, i+1)
				case 1:
					ms = slices.Insert(ms, i, TeammateRow{ID: pbID(fmt.Sprintf("n%03d", next)),
						Name: fmt.Sprintf("Mate %03d", next)})
					next++
				case 2:
					ms[i].TalkTimeMS += 1000
				case 3:
					ms[i].Name = "Nobody" // leaves the search
				default:
					j := rng.IntN(len(ms))
					ms[i], ms[j] = ms[j], ms[i]
				}
			}
			st.Teammates = ms
			st.Summary.Active = step + 1 // every step sends something
		})
		s.Notify(uint64(step + 1))
		p.apply(t, c.next())
		want := streamView(t, ts, "q=mate&offset=10&limit=15", "")
		var fresh page
		fresh.apply(t, want.next())
		want.close()
		got, exp := p.mates.list(), fresh.mates.list()
		if !slices.EqualFunc(got, exp, func(a, b json.RawMessage) bool { return string(a) == string(b) }) ||
			p.matched != fresh.matched || p.total != fresh.total {
			t.Fatalf("step %d: the deltas give %d rows (matched %d), a fresh stream %d (matched %d)",
				step, len(got), p.matched, len(exp), fresh.matched)
		}
	}
}

// At 2,000 teammates a change sends a few hundred bytes, not the table:
// the snapshot holds one page, and a delta the rows that changed.
func TestUpdateSizeAt2000Teammates(t *testing.T) {
	s, ts, src, _ := newTestServer(t, Config{})
	all := mates(2000)
	src.set(func(st *State) {
		st.Teammates = all
		st.Calls = make([]CallRow, 50)
		for i := range st.Calls {
			st.Calls[i] = CallRow{ID: pbCall(fmt.Sprintf("call-%03d", i)), Direction: "inbound", Stage: "ended",
				Ended: true, Team: "Support", Agent: "Mate 001", PlacedAt: t0}
		}
	})
	full, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	c := stream(t, ts, "")
	snap := c.next()
	// A call arrives and rings a teammate on the page.
	src.set(func(st *State) {
		st.Summary.InQueue++
		st.Teams[0].InQueue++
		st.Teammates[3].Ringing = "call-new"
		st.Calls = append([]CallRow{{ID: "call-new", Direction: "inbound", Stage: "ringing", Team: "Support",
			Ringing: "Mate 003", PlacedAt: t0}}, st.Calls[:49]...)
	})
	s.Notify(1)
	ring := c.next()
	// A teammate off the page changes channel.
	src.set(func(st *State) { st.Teammates[1500].Channel = "Phone"; st.Summary.AvailableForPhone-- })
	s.Notify(2)
	off := c.next()
	t.Logf("2,000 teammates: the whole table %d B; snapshot %d B; a ringing call %d B; a change off the page %d B",
		len(full), len(snap.data), len(ring.data), len(off.data))
	if len(snap.data) > 40<<10 || len(ring.data) > 3<<10 || len(off.data) > 1<<10 {
		t.Fatalf("snapshot %d B (want ≤ 40 KiB), ringing %d B (≤ 3 KiB), off the page %d B (≤ 1 KiB)",
			len(snap.data), len(ring.data), len(off.data))
	}
}

// A stream whose search or page cannot be read is refused with the JSON
// error body, and nothing subscribes.
func TestBadViewRefused(t *testing.T) {
	s, ts, _, _ := newTestServer(t, Config{})
	for _, q := range []string{"offset=-1", "limit=0", "limit=100000", "offset=x", "q=" + strings.Repeat("a", 300), "q=%ff"} {
		req, _ := http.NewRequest("GET", ts.URL+"/dashboard/events?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body ErrorBody
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || err != nil || body.Code != "bad_request" || body.Error == "" {
			t.Errorf("%s: %d %+v %v; want 400 bad_request", q, resp.StatusCode, body, err)
		}
	}
	// The page asks with HEAD why its stream closed: the same answer.
	req, _ := http.NewRequest("HEAD", ts.URL+"/dashboard/events?limit=0", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if resp, err := ts.Client().Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("HEAD with a bad limit: %v %v, want 400", resp, err)
	} else {
		resp.Body.Close()
	}
	if n := s.hub.watchers(); n != 0 {
		t.Fatalf("%d streams open after refused requests", n)
	}
}

// A reconnecting browser (Last-Event-ID, whatever its value) gets a fresh
// snapshot of its view.
func TestReconnectGetsSnapshot(t *testing.T) {
	_, ts, _, _ := newTestServer(t, Config{})
	for _, id := range []string{"otherepoch-2", "garbage", "1"} {
		if m := stream(t, ts, id).next(); m.event != "snapshot" {
			t.Fatalf("Last-Event-ID %q: got %s, want a snapshot", id, m.event)
		}
	}
}

// Streams beyond MaxSubscribers are refused with 503 and the JSON error
// body until one closes.
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
	var body ErrorBody
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("Content-Type") != "application/json" || err != nil || body.Code != "busy" || body.Error == "" {
		t.Fatalf("third stream: status %d, Retry-After %q, body %+v (%v); want 503 with Retry-After and code busy",
			resp.StatusCode, resp.Header.Get("Retry-After"), body, err)
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
	// From here on the slow client reads nothing. Each change is a row of
	// ~256 KiB, so socket buffers fill within a few dozen messages.
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
	s, err := New(Config{Source: g, Submit: (&submitted{}).submit, Verifier: tokens{},
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
	sub, err := s.hub.subscribe()
	if err != nil {
		t.Fatal(err)
	}
	defer s.hub.unsubscribe(sub)
	<-g.entered // the first render, for the watcher, held
	for i := range 1000 {
		s.Notify(uint64(i + 1))
	}
	g.gate <- struct{}{}
	step() // one render for the whole burst
	s.Notify(5000)
	step() // and one for the next notification
	if n := g.calls.Load(); n != 3 {
		t.Fatalf("%d renders for 1 watcher, a burst of 1000 and 1 notification; want 3", n)
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
