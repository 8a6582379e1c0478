package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// waitLimit bounds every wait of these tests for something to happen; it
// is a failure bound, never a pause.
const waitLimit = 30 * time.Second

const testDomain = "pb.test"

// env is a one-node in-memory replica with a gateway on loopback whose
// effects reach the gateway through the server's dispatcher, and a recorder of every
// event the engine logs.
type env struct {
	t    *testing.T
	node *replica.Node
	gw   *Gateway
	disp *telephony.Dispatcher
	clk  clock.Clock
	mock *clock.Mock // nil on the real clock
	ws   replica.WorkspaceID

	mu      sync.Mutex
	events  []eventlog.Event
	changed chan struct{}
}

type envOptions struct {
	mock        bool
	ringTimeout time.Duration
	team        pb.TeamID
	teammates   []pb.TeammateID // members of team, Active on All, client closed
	users       map[pb.TeammateID]string
	tune        func(*Config)
	teamConfig  assign.TeamConfig
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, ws: "default", changed: make(chan struct{})}
	if o.mock {
		e.mock = clock.NewMock()
		e.mock.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		e.clk = e.mock
	} else {
		e.clk = clock.New()
	}
	ecfg := assign.DefaultConfig()
	if o.ringTimeout > 0 {
		ecfg.RingTimeout = o.ringTimeout
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		quiet = slog.New(slog.NewTextHandler(&testLogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	// Effects reach the gateway as in the server: through the dispatcher,
	// which holds them until the gateway is started.
	disp := telephony.NewDispatcher(telephony.DispatcherConfig{Logger: quiet})
	t.Cleanup(disp.Close)
	node, err := replica.Open(replica.Config{
		InMemory: true,
		Engine:   ecfg,
		Clock:    e.clk,
		Logger:   quiet,
		OnApply: func(a replica.Applied) {
			e.mu.Lock()
			e.events = append(e.events, a.Ready.Events...)
			close(e.changed)
			e.changed = make(chan struct{})
			e.mu.Unlock()
		},
		Deliver: disp.Deliver,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.node = node
	t.Cleanup(func() { _ = node.Close() })
	disp.SetDoer(node)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for !node.IsLeader() {
		select {
		case <-node.LeaderCh():
		case <-ctx.Done():
			t.Fatal("the one-node replica elected no leader")
		}
	}
	cmds := []assign.Command{{Op: assign.OpAddTeam, Team: o.team, Name: string(o.team), TeamConfig: o.teamConfig}}
	for _, id := range o.teammates {
		cmds = append(cmds,
			assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: string(id),
				Presence: presence.State{Channel: presence.ChannelAll, Status: presence.Active}},
			assign.Command{Op: assign.OpAddMember, Team: o.team, Teammate: id})
	}
	for _, c := range cmds {
		if _, err := node.Do(ctx, e.ws, c); err != nil {
			t.Fatalf("%v: %v", c.Op, err)
		}
	}
	cfg := Config{
		Listen:    "127.0.0.1:0",
		Domain:    testDomain,
		Users:     o.users,
		Node:      node,
		Workspace: e.ws,
		Clock:     e.clk,
		Logger:    quiet,
	}
	if o.tune != nil {
		o.tune(&cfg)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	disp.SetTelephony(g)
	e.gw = g
	e.disp = disp
	t.Cleanup(func() { _ = g.Close() })
	return e
}

// exec runs one effect of the gateway's workspace through Execute, as
// the dispatcher would.
func (e *env) exec(kind assign.EffectKind, call pb.CallID, tm pb.TeammateID) error {
	ef := telephony.Effect{Effect: assign.Effect{Kind: kind, Call: call, Teammate: tm, Team: "support",
		Deflection: eventlog.DeflectQueueFull}, Workspace: e.ws}
	return e.gw.Execute(context.Background(), ef)
}

type testLogWriter struct{ t *testing.T }

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// snapshot returns the events logged so far and a channel closed at the
// next change.
func (e *env) snapshot() ([]eventlog.Event, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]eventlog.Event(nil), e.events...), e.changed
}

// waitFor waits until the events logged so far satisfy ok, and returns
// them; it fails the test after waitLimit.
func (e *env) waitFor(what string, ok func([]eventlog.Event) bool) []eventlog.Event {
	e.t.Helper()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	for {
		evs, changed := e.snapshot()
		if ok(evs) {
			return evs
		}
		select {
		case <-changed:
		case <-limit.C:
			e.t.Fatalf("timed out waiting for %s; events:\n%s", what, dump(evs))
		}
	}
}

// waitEvent waits for the first event matching match.
func (e *env) waitEvent(what string, match func(eventlog.Event) bool) eventlog.Event {
	e.t.Helper()
	var found eventlog.Event
	e.waitFor(what, func(evs []eventlog.Event) bool {
		for _, ev := range evs {
			if match(ev) {
				found = ev
				return true
			}
		}
		return false
	})
	return found
}

// waitEnded waits for call to end and returns its events.
func (e *env) waitEnded(call pb.CallID) []eventlog.Event {
	e.t.Helper()
	e.waitEvent("call "+string(call)+" to end", func(ev eventlog.Event) bool {
		return ev.Call == call && (ev.Kind == eventlog.CallEnded || ev.Kind == eventlog.CallEndedBeforeAnswer)
	})
	evs, _ := e.snapshot()
	return callEvents(evs, call)
}

// dashboard folds the events logged so far into the live metrics the
// server's dashboard shows.
func (e *env) dashboard() metrics.Dashboard {
	e.t.Helper()
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		e.t.Fatal(err)
	}
	evs, _ := e.snapshot()
	for _, ev := range evs {
		if err := col.Observe(ev); err != nil {
			e.t.Fatalf("metrics refused %v: %v", ev.Kind, err)
		}
	}
	return col.Dashboard(time.Time{})
}

// waitClient waits until teammate's phone client is active (or not).
func (e *env) waitClient(id pb.TeammateID, active bool) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%s's client active=%v", id, active), func(evs []eventlog.Event) bool {
		state := false
		for _, ev := range evs {
			if ev.Teammate == id && ev.Call == "" && (ev.Kind == eventlog.ClientChanged || ev.Kind == eventlog.TeammateAdded) {
				state = ev.ClientActive
			}
		}
		return state == active
	})
}

// placed returns the IDs of the calls placed so far, in order.
func placed(evs []eventlog.Event) []pb.CallID {
	var ids []pb.CallID
	for _, ev := range evs {
		if ev.Kind == eventlog.CallPlaced {
			ids = append(ids, ev.Call)
		}
	}
	return ids
}

func callEvents(evs []eventlog.Event, call pb.CallID) []eventlog.Event {
	var out []eventlog.Event
	for _, ev := range evs {
		if ev.Call == call {
			out = append(out, ev)
		}
	}
	return out
}

// story renders a call's events compactly: kind, teammate and the
// details that matter, one per line.
func story(evs []eventlog.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		switch ev.Kind {
		case eventlog.TeammatesAway, eventlog.TeammatesNoClient, eventlog.TeammatesAvailable:
			continue
		}
		b.WriteString(ev.Kind.String())
		if ev.Teammate != "" {
			b.WriteString(" " + string(ev.Teammate))
		}
		if ev.Decline != 0 {
			b.WriteString(" " + ev.Decline.String())
		}
		if ev.Stage != 0 {
			b.WriteString(" stage=" + ev.Stage.String())
		}
		if ev.By != 0 {
			b.WriteString(" by=" + ev.By.String())
		}
		if ev.Deflection != 0 {
			b.WriteString(" " + ev.Deflection.String())
		}
		if ev.KeepsPlace {
			b.WriteString(" keeps_place")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func dump(evs []eventlog.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "  %s %s call=%s teammate=%s client=%v decline=%v by=%v\n",
			ev.At.Format("15:04:05.000"), ev.Kind, ev.Call, ev.Teammate, ev.ClientActive, ev.Decline, ev.By)
	}
	return b.String()
}

func first(evs []eventlog.Event, kind eventlog.Kind, teammate pb.TeammateID) (eventlog.Event, bool) {
	for _, ev := range evs {
		if ev.Kind == kind && (teammate == "" || ev.Teammate == teammate) {
			return ev, true
		}
	}
	return eventlog.Event{}, false
}
