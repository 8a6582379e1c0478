package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/chromedp/chromedp"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/phonebalance/phonebalance/server/internal/browsertest"
)

// screenshotEnv names the variable that makes the browser test rewrite
// the committed screenshot.
const screenshotEnv = "UPDATE_SCREENSHOT"

// A hostile teammate name: it must show as text, never become markup.
const hostileName = `Bob <img src=x onerror="window.__xss=1">`

// liveReplica is a one-node in-memory replica with a metrics fold and an
// event log fed from OnApply, and a dashboard over them.
type liveReplica struct {
	node *replica.Node
	clk  *clock.Mock
	mu   sync.Mutex
	col  *metrics.Collector
	adv  *advice.Tracker
	log  eventlog.Log
	dash atomic.Pointer[Server]
	bad  atomic.Int64
}

const ws = replica.WorkspaceID("default")

func openReplica(t *testing.T, ctx context.Context) *liveReplica {
	t.Helper()
	lr := &liveReplica{clk: clock.NewMock()}
	lr.clk.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	var err error
	if lr.col, err = metrics.New(metrics.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	if lr.adv, err = advice.New(advice.Config{}); err != nil {
		t.Fatal(err)
	}
	lr.node, err = replica.Open(replica.Config{
		InMemory: true,
		Engine:   assign.DefaultConfig(),
		Clock:    lr.clk,
		OnApply: func(a replica.Applied) {
			lr.mu.Lock()
			for _, ev := range a.Ready.Events {
				if lr.col.Observe(ev) != nil {
					lr.bad.Add(1)
				}
				lr.log.Append(ev)
				lr.adv.Observe(ev)
			}
			lr.mu.Unlock()
			if d := lr.dash.Load(); d != nil {
				d.Notify(a.Index)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lr.node.Close() })
	for !lr.node.IsLeader() {
		select {
		case <-lr.node.LeaderCh():
		case <-ctx.Done():
			t.Fatal("the one-node replica elected no leader")
		}
	}
	return lr
}

func (lr *liveReplica) do(t *testing.T, ctx context.Context, cmd assign.Command) assign.Ready {
	t.Helper()
	rd, err := lr.node.Do(ctx, ws, cmd)
	if err != nil {
		t.Fatalf("%v: %v", cmd.Op, err)
	}
	return rd
}

// parts are the reads a server has, over the replica, the fold and the
// advice tracker.
func (lr *liveReplica) parts() Parts {
	return Parts{
		Now: lr.clk.Now,
		View: func(read func(e *assign.Engine)) (bool, error) {
			err := lr.node.View(ws, read)
			return err == nil, err
		},
		WithCollector: func(fn func(c *metrics.Collector)) {
			lr.mu.Lock()
			defer lr.mu.Unlock()
			fn(lr.col)
		},
		Advice: lr.adv.Advice,
	}
}

func (lr *liveReplica) teammate(t *testing.T, id pb.TeammateID) assign.TeammateView {
	t.Helper()
	var v assign.TeammateView
	var ok bool
	if err := lr.node.View(ws, func(e *assign.Engine) { v, ok = e.Teammate(id) }); err != nil || !ok {
		t.Fatalf("teammate %s: %v %v", id, ok, err)
	}
	return v
}

func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	return browsertest.Start(t, ctx, 1400, 1100)
}

// poll waits until a JavaScript predicate holds in the page.
func poll(what, expr string) chromedp.Action[chromedp.Void] {
	return browsertest.Poll(what, expr, 20*time.Second)
}

func cardIs(card, want string) chromedp.Action[chromedp.Void] {
	return poll("card "+card+" = "+want,
		fmt.Sprintf(`document.getElementById('card-%s').textContent === %q`, card, want))
}

func rowCell(table, id string, cell int) string {
	return fmt.Sprintf(`(document.querySelector('#%s tbody tr[data-id=%q]') || {cells: []}).cells[%d]`, table, id, cell)
}

// The page in a real browser over a real one-node replica: log in, watch
// a call go through the cards and tables without a reload, open its
// timeline and explanation, and change a teammate's channel from the page
// (Rule: PR7).
func TestBrowserDashboard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	lr := openReplica(t, ctx)

	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	for _, c := range []assign.Command{
		{Op: assign.OpAddTeam, Team: "support", Name: "Support"},
		{Op: assign.OpAddTeam, Team: "sales", Name: "Sales"},
		{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana", Presence: active},
		{Op: assign.OpAddTeammate, Teammate: "bob", Name: "Bob", Presence: active},
		{Op: assign.OpAddTeammate, Teammate: "eve", Name: hostileName, Presence: active},
		{Op: assign.OpAddTeammate, Teammate: "dan", Name: "Dan", Presence: presence.State{
			Channel: presence.ChannelPhone, Status: presence.Away, Reason: "Lunch", ClientOpen: true}},
		{Op: assign.OpAddTeammate, Teammate: "cleo", Name: "Cleo",
			Presence: presence.State{Channel: presence.ChannelConversations, Status: presence.Active, ClientOpen: true}},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ana"},
		{Op: assign.OpAddMember, Team: "support", Teammate: "bob"},
		{Op: assign.OpAddMember, Team: "sales", Teammate: "cleo"},
		{Op: assign.OpAddMember, Team: "sales", Teammate: "dan"},
		{Op: assign.OpAddMember, Team: "sales", Teammate: "eve"},
	} {
		lr.do(t, ctx, c)
	}

	parts := lr.parts()
	src, err := NewSource(parts)
	if err != nil {
		t.Fatal(err)
	}
	dash, err := New(Config{
		Source: src,
		Submit: func(ctx context.Context, cmd assign.Command) error {
			_, err := lr.node.Do(ctx, ws, cmd)
			return err
		},
		Timeline: TimelineFunc(func(call pb.CallID) ([]eventlog.Event, error) { return lr.log.Timeline(call), nil }),
		Explain:  ExplainFunc(parts.View),
		Verifier: testTokens,
		Coalesce: 20 * time.Millisecond,
		Refresh:  -1, // the mock clock does not move by itself
	})
	if err != nil {
		t.Fatal(err)
	}
	lr.dash.Store(dash)
	// Mounted as a server mounts it: public and protected routes.
	mux := http.NewServeMux()
	public, protected := dash.Handlers()
	for _, routes := range []map[string]http.Handler{public, protected} {
		for pattern, h := range routes {
			mux.Handle(pattern, h)
		}
	}
	ts := newLoopbackServer(t, mux)
	defer dash.Close()

	b := newBrowser(t, ctx)
	// Log in through the form; the page then streams.
	if err := chromedp.Do(b,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), testToken),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.CSS("#cards")),
		poll("the stream", `document.getElementById('conn').textContent === 'live'`),
		cardIs("in_queue", "0"),
		cardIs("available_for_phone", "3"),
		chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true; `+
			`window.__bobSelect = document.querySelector('#teammates tbody tr[data-id="bob"] select')`),
	); err != nil {
		t.Fatal(err)
	}

	// A call arrives and rings the longest-idle teammate.
	rd := lr.do(t, ctx, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	var rung pb.TeammateID
	for _, ef := range rd.Effects {
		if ef.Kind == assign.Ring {
			rung = ef.Teammate
		}
	}
	if rung == "" {
		t.Fatalf("no ring in %+v", rd.Effects)
	}
	if err := chromedp.Do(b,
		cardIs("in_queue", "1"),
		poll("call-1 ringing in the call list", rowCell("calls", "call-1", 2)+`.textContent === 'ringing'`),
		chromedp.Click(chromedp.CSS(`#calls tbody tr[data-id="call-1"] button`)),
		poll("the explanation", `document.getElementById('explain').textContent.includes('ringing')`),
		poll("the timeline", `document.getElementById('timeline').children.length > 0`),
	); err != nil {
		t.Fatal(err)
	}

	// Answered after 4 s, talked for 95 s, ended by the customer.
	lr.clk.Add(4 * time.Second)
	lr.do(t, ctx, assign.Command{Op: assign.OpAnswer, Call: "call-1", Teammate: rung})
	if err := chromedp.Do(b,
		cardIs("active", "1"),
		cardIs("in_queue", "0"),
		chromedp.Click(chromedp.CSS("#tab-teammates")),
		poll("the teammate on a call", rowCell("teammates", string(rung), 5)+`.textContent === 'On a call'`),
	); err != nil {
		t.Fatal(err)
	}
	lr.clk.Add(95 * time.Second)
	lr.do(t, ctx, assign.Command{Op: assign.OpEndCall, Call: "call-1", By: eventlog.ByCustomer})
	if err := chromedp.Do(b,
		cardIs("completed", "1"),
		cardIs("active", "0"),
		cardIs("answer_time", "4 s"),
		cardIs("call_duration", "1 min 39 s"),
		poll("the talk time", rowCell("teammates", string(rung), 6)+`.textContent === '1 min 35 s'`),
		poll("the ended call", rowCell("calls", "call-1", 2)+`.textContent.startsWith('ended')`),
		poll("the timeline's answer", `document.getElementById('timeline').textContent.includes('answered')`),
		poll("the team row", rowCell("teams", "support", 4)+`.textContent === '1'`),
		poll("the team's in-queue time (MT10)", rowCell("teams", "support", 10)+`.textContent === '4 s'`),
		poll("the advice", `document.querySelector('#advice tbody tr[data-id="support"]') !== null && `+
			`document.querySelector('#advice tbody tr[data-id="support"]').cells[6].textContent.includes('needed')`),
	); err != nil {
		t.Fatal(err)
	}

	// Names are text: the hostile name shows as typed and adds no element.
	name, err := chromedp.Run(b, chromedp.Evaluate[string](rowCell("teammates", "eve", 0)+`.textContent`))
	if err != nil || name != hostileName {
		t.Fatalf("eve's name cell = %q, %v; want %q", name, err, hostileName)
	}
	if injected, err := chromedp.Run(b, chromedp.Evaluate[bool](
		`document.querySelector('main img') !== null || window.__xss === 1`)); err != nil || injected {
		t.Fatalf("a name became markup (%v, %v)", injected, err)
	}
	lr.do(t, ctx, assign.Command{Op: assign.OpRemoveTeammate, Teammate: "eve"})
	if err := chromedp.Do(b, cardIs("available_for_phone", "2"),
		poll("eve's row gone", `document.querySelector('#teammates tbody tr[data-id="eve"]') === null`)); err != nil {
		t.Fatal(err)
	}

	// The supervisor moves Ana to Conversations from the page; the engine
	// sees it (Rule: PR7).
	if got := lr.teammate(t, "ana").Presence.Channel; got != presence.ChannelAll {
		t.Fatalf("ana starts on %v", got)
	}
	if err := chromedp.Do(b,
		// As a user's pick does: the value and its change event in one task.
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#teammates tbody tr[data-id="ana"] select'); `+
			`s.value = 'Conversations'; s.dispatchEvent(new Event('change')); })()`),
		poll("ana no longer available", rowCell("teammates", "ana", 7)+`.textContent === 'no'`),
		cardIs("available_for_phone", "1"),
	); err != nil {
		t.Fatal(err)
	}
	if got := lr.teammate(t, "ana").Presence.Channel; got != presence.ChannelConversations {
		t.Fatalf("after the page's change the engine has ana on %v, want Conversations", got)
	}

	// A change to one teammate reaches the page as a delta that updates
	// that row in place (the same element, no snapshot).
	if err := chromedp.Do(b, chromedp.Evaluate[chromedp.Void](
		`window.__cleoRow = document.querySelector('#teammates tbody tr[data-id="cleo"]')`)); err != nil {
		t.Fatal(err)
	}
	lr.do(t, ctx, assign.Command{Op: assign.OpSetStatus, Teammate: "cleo", Status: presence.Away, Reason: "Break"})
	if err := chromedp.Do(b,
		poll("cleo's status", rowCell("teammates", "cleo", 2)+`.textContent === 'Away · Break'`),
		poll("a delta applied", `document.body.dataset.last === 'delta'`),
		poll("cleo's row kept", `window.__cleoRow.isConnected && `+
			`window.__cleoRow === document.querySelector('#teammates tbody tr[data-id="cleo"]')`),
	); err != nil {
		t.Fatal(err)
	}

	// A second call waits for the one teammate left: the screenshot shows
	// it ringing, with its explanation.
	// A supervisor about to pick Bob's channel keeps the control while his
	// row updates. It comes at 09:15:39, so the day's 15-minute bucket
	// 09:00-09:15, which holds call-1, has ended and is charted.
	lr.clk.Add(14 * time.Minute)
	if err := chromedp.Do(b, chromedp.Focus(chromedp.CSS(`#teammates tbody tr[data-id="bob"] select`))); err != nil {
		t.Fatal(err)
	}
	lr.do(t, ctx, assign.Command{Op: assign.OpArrive, Call: "call-2", Team: "support"})
	if err := chromedp.Do(b,
		poll("bob ringing", rowCell("teammates", "bob", 5)+`.textContent === 'Ringing (call-2)'`),
		poll("bob's control focused", `document.activeElement === window.__bobSelect`),
		cardIs("in_queue", "1"),
		chromedp.Click(chromedp.CSS(`#calls tbody tr[data-id="call-2"] button`)),
		poll("call-2's explanation", `document.getElementById('explain').textContent.includes('channel')`),
	); err != nil {
		t.Fatal(err)
	}
	// The day's charts: per team, calls waiting with one point per ended
	// bucket since midnight (37 by 09:15), and call-1's answer time (4 s)
	// and service level (100 %, within the 80 % in 20 s target) as one bar
	// each in the 09:00 bucket; Sales has none.
	chartOf := func(team, chart, sel string) string {
		return fmt.Sprintf(`document.querySelectorAll('#day .day-team[data-team=%q] svg.%s %s')`, team, chart, sel)
	}
	if err := chromedp.Do(b,
		poll("a chart set per team", `document.querySelectorAll('#day .day-team').length === 2`),
		poll("calls waiting over the day", chartOf("support", "waiting", "polyline")+
			`[0].getAttribute('points').trim().split(' ').length === 37`),
		poll("the answer time bar", chartOf("support", "answer", "rect.bar.ok")+`.length === 1 && `+
			chartOf("support", "answer", "rect.bar")+`.length === 1 && `+
			chartOf("support", "answer", "line.target")+`.length === 1`),
		poll("the service level bar", chartOf("support", "sl", "rect.bar.ok")+`.length === 1 && `+
			chartOf("support", "sl", "rect.bar")+`[0].getAttribute('x') === (36 * 4).toFixed(1) && `+
			chartOf("support", "sl", "line.target")+`.length === 1`),
		poll("no bars for sales", chartOf("sales", "sl", "rect.bar")+`.length === 0 && `+
			chartOf("sales", "waiting", "polyline")+`[0].getAttribute('points').trim().split(' ').length === 37`),
	); err != nil {
		t.Fatal(err)
	}
	// Updates change rows in place: Bob's control is the same element
	// after every change his row went through.
	kept, err := chromedp.Run(b, chromedp.Evaluate[bool](`window.__bobSelect !== null && window.__bobSelect.isConnected && `+
		`window.__bobSelect === document.querySelector('#teammates tbody tr[data-id="bob"] select')`))
	if err != nil || !kept {
		t.Fatalf("Bob's channel control was replaced by an update (%v, %v)", kept, err)
	}
	same, err := chromedp.Run(b, chromedp.Evaluate[bool](`window.__sameDocument === true`))
	if err != nil || !same {
		t.Fatalf("the page reloaded (%v, %v)", same, err)
	}
	png, err := chromedp.Run(b, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "dashboard.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(screenshotEnv) == "1" {
		if err := os.WriteFile(filepath.Join("testdata", "dashboard.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// At thousands of teammates the page shows one page of them, with a
	// search; here 59 teammates make two pages of 50.
	for i := range 55 {
		lr.do(t, ctx, assign.Command{Op: assign.OpAddTeammate, Teammate: pb.TeammateID(fmt.Sprintf("zed-%02d", i)),
			Name: fmt.Sprintf("Zed %02d", i), Presence: active})
	}
	if err := chromedp.Do(b,
		poll("the first page", `document.getElementById('page-info').textContent === '1–50 of 59' && `+
			`document.querySelectorAll('#teammates tbody tr').length === 50`),
		chromedp.Click(chromedp.CSS("#page-next")),
		poll("the second page", `document.getElementById('page-info').textContent === '51–59 of 59' && `+
			`document.querySelectorAll('#teammates tbody tr').length === 9 && `+
			`document.querySelector('#teammates tbody tr').dataset.id === 'zed-46'`),
		chromedp.SendKeys(chromedp.CSS("#search"), "CLE"),
		poll("the search", `document.getElementById('page-info').textContent === '1–1 of 1 matching (59 in all)' && `+
			`document.querySelectorAll('#teammates tbody tr').length === 1 && `+
			`document.querySelector('#teammates tbody tr').dataset.id === 'cleo'`),
	); err != nil {
		t.Fatal(err)
	}
	// The searched view gets its deltas too.
	lr.do(t, ctx, assign.Command{Op: assign.OpSetStatus, Teammate: "cleo", Status: presence.Active})
	if err := chromedp.Do(b,
		poll("cleo back", rowCell("teammates", "cleo", 2)+`.textContent === 'Active'`),
	); err != nil {
		t.Fatal(err)
	}

	// On a phone's 390 px wide screen nothing runs off the right edge: the
	// wide tables scroll inside their own boxes.
	if err := chromedp.Do(b,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Click(chromedp.CSS("#tab-teams")),
		poll("no horizontal overflow", `document.documentElement.scrollWidth <= 390`),
	); err != nil {
		t.Fatal(err)
	}
	phone, err := chromedp.Run(b, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "dashboard-390.png"), phone, 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(screenshotEnv) == "1" {
		if err := os.WriteFile(filepath.Join("testdata", "dashboard-390.png"), phone, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := lr.bad.Load(); n != 0 {
		t.Fatalf("the metrics fold refused %d events", n)
	}
}
