package telephony_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// failBound bounds every wait of these tests for something to happen; it
// is a failure bound, never a pause.
const failBound = 10 * time.Second

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// line renders an effect compactly: "ring c1 ana".
func line(ef telephony.Effect) string {
	switch ef.Kind {
	case assign.Deflect:
		return fmt.Sprintf("deflect %s %s", ef.Call, ef.Deflection)
	case assign.ReassignReplies:
		return "reassign " + string(ef.Teammate)
	}
	return fmt.Sprintf("%s %s %s", ef.Kind, ef.Call, ef.Teammate)
}

// recorder records every effect it executes; it fails the rings of the
// teammates in fail and blocks the effects of the calls in block until
// their channel closes (or the context ends).
type recorder struct {
	mu    sync.Mutex
	lines []string
	ids   []replica.EffectID
	fail  map[pb.TeammateID]bool
	block map[pb.CallID]chan struct{}
	seen  chan string // each line as it starts, if not nil
	done  chan string // each line as it returns, if not nil
}

func (r *recorder) Execute(ctx context.Context, ef telephony.Effect) error {
	if _, ok := ctx.Deadline(); !ok {
		return errors.New("no deadline")
	}
	s := line(ef)
	if r.seen != nil {
		r.seen <- s
	}
	r.mu.Lock()
	ch := r.block[ef.Call]
	r.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.lines = append(r.lines, s)
	r.ids = append(r.ids, ef.ID)
	failed := ef.Kind == assign.Ring && r.fail[ef.Teammate]
	r.mu.Unlock()
	if r.done != nil {
		r.done <- s
	}
	if failed {
		return errors.New("unreachable")
	}
	return nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lines)
}

// doer records the commands the dispatcher submits.
type doer struct {
	mu   sync.Mutex
	cmds []assign.Command
}

func (d *doer) Do(_ context.Context, ws replica.WorkspaceID, cmd assign.Command) (assign.Ready, error) {
	if ws != "ws" {
		return assign.Ready{}, errors.New("wrong workspace")
	}
	d.mu.Lock()
	d.cmds = append(d.cmds, cmd)
	d.mu.Unlock()
	return assign.Ready{}, assign.ErrNotRinging
}

func (d *doer) got() []assign.Command {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.cmds)
}

func newDispatcher(t *testing.T, tel telephony.Telephony, concurrency int) (*telephony.Dispatcher, *doer) {
	t.Helper()
	dr := &doer{}
	d := telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: tel, Concurrency: concurrency, Logger: quiet()})
	d.SetDoer(dr)
	t.Cleanup(d.Close)
	return d, dr
}

func settle(t *testing.T, d *telephony.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failBound)
	defer cancel()
	if err := d.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

func ring(call pb.CallID, tm pb.TeammateID) assign.Effect {
	return assign.Effect{Kind: assign.Ring, Call: call, Teammate: tm, Team: "support"}
}

func stop(call pb.CallID, tm pb.TeammateID) assign.Effect {
	return assign.Effect{Kind: assign.StopRinging, Call: call, Teammate: tm, Team: "support"}
}

// Each effect reaches Execute once, with its workspace, stable ID and a
// deadline; a ring that fails becomes a connectivity decline for that
// teammate in the delivery's workspace.
//
// Rule: AS6
func TestFailedRingDeclines(t *testing.T) {
	tel := &recorder{fail: map[pb.TeammateID]bool{"ben": true}}
	d, dr := newDispatcher(t, tel, 0)
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 7, Effects: []assign.Effect{
		stop("c1", "ana"),
		ring("c1", "ben"),
		{Kind: assign.Deflect, Call: "c2", Team: "support", Deflection: eventlog.DeflectQueueFull},
		{Kind: assign.ReassignReplies, Teammate: "ben"},
	}})
	settle(t, d)
	got := tel.got()
	slices.Sort(got)
	want := []string{"deflect c2 queue_full", "reassign ben", "ring c1 ben", "stop_ringing c1 ana"}
	if !slices.Equal(got, want) {
		t.Fatalf("telephony saw %v, want %v", got, want)
	}
	ids := slices.Clone(tel.ids)
	slices.SortFunc(ids, func(a, b replica.EffectID) int { return a.Ordinal - b.Ordinal })
	for i, id := range ids {
		if id != (replica.EffectID{Index: 7, Ordinal: i}) {
			t.Fatalf("IDs %v", tel.ids)
		}
	}
	cmds := dr.got()
	if len(cmds) != 1 || cmds[0].Op != assign.OpDecline || cmds[0].Call != "c1" || cmds[0].Teammate != "ben" ||
		cmds[0].Decline != eventlog.DeclineConnectivity {
		t.Fatalf("submitted %+v", cmds)
	}
}

// A slow Execute for one call does not delay another call's ring, and
// the slow call's next effect waits for it.
func TestSlowCallDoesNotDelayAnother(t *testing.T) {
	release := make(chan struct{})
	tel := &recorder{block: map[pb.CallID]chan struct{}{"a": release}, seen: make(chan string, 16),
		done: make(chan string, 16)}
	d, _ := newDispatcher(t, tel, 0)
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 1, Effects: []assign.Effect{ring("a", "ana")}})
	expect(t, tel.seen, "ring a ana")
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 2, Effects: []assign.Effect{stop("a", "ana"), ring("b", "ben")}})
	// b's ring starts and returns while a's ring is still blocked.
	expect(t, tel.seen, "ring b ben")
	expect(t, tel.done, "ring b ben")
	close(release)
	expect(t, tel.done, "ring a ana")
	expect(t, tel.seen, "stop_ringing a ana")
	expect(t, tel.done, "stop_ringing a ana")
	settle(t, d)
}

// expect waits for the next effect to start and checks it.
func expect(t *testing.T, seen <-chan string, want string) {
	t.Helper()
	select {
	case got := <-seen:
		if got != want {
			t.Fatalf("started %q, want %q", got, want)
		}
	case <-time.After(failBound):
		t.Fatalf("%q did not start", want)
	}
}

// gate blocks every Execute until it is released, and counts how many
// run at once.
type gate struct {
	mu      sync.Mutex
	inside  int
	most    int
	entered chan string
	release chan struct{}
}

func (g *gate) Execute(ctx context.Context, ef telephony.Effect) error {
	g.mu.Lock()
	g.inside++
	g.most = max(g.most, g.inside)
	g.mu.Unlock()
	g.entered <- string(ef.Call)
	<-g.release
	g.mu.Lock()
	g.inside--
	g.mu.Unlock()
	return nil
}

// Different calls run at once, up to Concurrency and no more.
func TestConcurrencyIsBounded(t *testing.T) {
	g := &gate{entered: make(chan string, 8), release: make(chan struct{})}
	d, _ := newDispatcher(t, g, 3)
	var efs []assign.Effect
	for _, c := range []pb.CallID{"a", "b", "c", "d", "e"} {
		efs = append(efs, ring(c, "ana"))
	}
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 1, Effects: efs})
	for range 3 { // three enter while none returns
		select {
		case <-g.entered:
		case <-time.After(failBound):
			t.Fatal("three calls did not run at once")
		}
	}
	close(g.release)
	settle(t, d)
	if g.most != 3 {
		t.Fatalf("%d ran at once, want 3", g.most)
	}
}

// sequencer records, per lane (call, or teammate for ReassignReplies),
// the IDs it executes, yielding at random to mix the goroutines.
type sequencer struct {
	mu     sync.Mutex
	lanes  map[string][]replica.EffectID
	inside int
	most   int
}

func (s *sequencer) Execute(_ context.Context, ef telephony.Effect) error {
	key := "call " + string(ef.Call)
	if ef.Kind == assign.ReassignReplies {
		key = "teammate " + string(ef.Teammate)
	}
	s.mu.Lock()
	s.inside++
	s.most = max(s.most, s.inside)
	s.lanes[key] = append(s.lanes[key], ef.ID)
	n := int(ef.ID.Index % 5)
	s.mu.Unlock()
	for range n {
		runtime.Gosched()
	}
	s.mu.Lock()
	s.inside--
	s.mu.Unlock()
	return nil
}

// Under concurrency each call's effects, and each teammate's
// ReassignReplies, still run in log order: 400 deliveries of random
// effects over 20 calls and 5 teammates (fixed seed).
func TestOrderPerCallUnderConcurrency(t *testing.T) {
	s := &sequencer{lanes: map[string][]replica.EffectID{}}
	d, _ := newDispatcher(t, s, 8)
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string][]replica.EffectID{}
	kinds := []assign.EffectKind{assign.Ring, assign.StopRinging, assign.Deflect, assign.ReassignReplies}
	for index := uint64(1); index <= 400; index++ {
		dl := replica.Delivery{Workspace: "ws", Index: index}
		for i := range rng.IntN(6) {
			ef := assign.Effect{Kind: kinds[rng.IntN(len(kinds))], Call: pb.CallID(fmt.Sprintf("c%d", rng.IntN(20))),
				Teammate: pb.TeammateID(fmt.Sprintf("t%d", rng.IntN(5)))}
			key := "call " + string(ef.Call)
			if ef.Kind == assign.ReassignReplies {
				key = "teammate " + string(ef.Teammate)
			}
			want[key] = append(want[key], replica.EffectID{Index: index, Ordinal: i})
			dl.Effects = append(dl.Effects, ef)
		}
		d.Deliver(dl)
	}
	settle(t, d)
	if len(s.lanes) != len(want) {
		t.Fatalf("%d lanes ran, want %d", len(s.lanes), len(want))
	}
	for key, ids := range want {
		if !slices.Equal(s.lanes[key], ids) {
			t.Fatalf("%s ran %v, want %v", key, s.lanes[key], ids)
		}
	}
	t.Logf("at most %d at once", s.most)
}

// reconcileDelivery is what the replica hands over on gaining leadership.
func reconcileDelivery(index uint64, rings ...assign.Effect) replica.Delivery {
	return replica.Delivery{Workspace: "ws", Index: index, Reconcile: true, Effects: append([]assign.Effect{}, rings...)}
}

// A Telephony that is not a Reconciler is reconciled by the dispatcher:
// on a leader change, a ring it started that the new state no longer
// implies is stopped, and a ring the state implies that it never started
// is started; rings it has and that are listed are left alone, and rings
// that ended by an answer, a decline or the call's end are not stopped.
func TestReconcileStopsAndStarts(t *testing.T) {
	tel := &recorder{}
	d, _ := newDispatcher(t, tel, 0)
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 1, Effects: []assign.Effect{
		ring("c1", "ana"), ring("c2", "ben"), ring("c4", "dan"), ring("c5", "eve"), ring("c6", "fay")}})
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 2, Events: []eventlog.Event{
		{Kind: eventlog.CallAnswered, Call: "c4", Teammate: "dan"},
		{Kind: eventlog.CallDeclined, Call: "c5", Teammate: "eve"},
		{Kind: eventlog.CallEndedBeforeAnswer, Call: "c6"},
	}})
	settle(t, d)
	tel.mu.Lock()
	tel.lines, tel.ids = nil, nil
	tel.mu.Unlock()

	d.Deliver(reconcileDelivery(9, ring("c2", "ben"), ring("c3", "cleo")))
	settle(t, d)
	got := tel.got()
	slices.Sort(got)
	if want := []string{"ring c3 cleo", "stop_ringing c1 ana"}; !slices.Equal(got, want) {
		t.Fatalf("reconciled with %v, want %v", got, want)
	}
	// What it did is now its state: the same list again changes nothing.
	d.Deliver(reconcileDelivery(10, ring("c2", "ben"), ring("c3", "cleo")))
	settle(t, d)
	if got := tel.got(); len(got) != 2 {
		t.Fatalf("a second reconcile did %v", got[2:])
	}
}

// reconciling is a Reconciler that records the lists and fails the
// rings of the teammates in fail.
type reconciling struct {
	recorder
	lists [][]telephony.Ring
	fail  pb.TeammateID
}

func (r *reconciling) Reconcile(_ context.Context, ws replica.WorkspaceID, rings []telephony.Ring) error {
	if ws != "ws" {
		return errors.New("wrong workspace")
	}
	r.mu.Lock()
	r.lists = append(r.lists, rings)
	r.lines = append(r.lines, fmt.Sprintf("reconcile %d", len(rings)))
	r.mu.Unlock()
	var unplaced []telephony.Ring
	for _, ring := range rings {
		if ring.Teammate == r.fail {
			unplaced = append(unplaced, ring)
		}
	}
	if len(unplaced) > 0 {
		return &telephony.UnplacedError{Rings: unplaced, Err: errors.New("not registered")}
	}
	return nil
}

// A Reconciler gets the whole list, even an empty one, after the effects
// queued before it and before those delivered after it; a listed ring it
// cannot place is declined for connectivity.
func TestReconcilerIsABarrier(t *testing.T) {
	release := make(chan struct{})
	tel := &reconciling{recorder: recorder{block: map[pb.CallID]chan struct{}{"a": release}, seen: make(chan string, 16)},
		fail: "ben"}
	d, dr := newDispatcher(t, tel, 0)
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 1, Effects: []assign.Effect{ring("a", "ana")}})
	expect(t, tel.seen, "ring a ana")
	d.Deliver(reconcileDelivery(2, ring("a", "ana"), ring("b", "ben")))
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 3, Effects: []assign.Effect{ring("c", "cleo")}})
	d.Deliver(reconcileDelivery(4))
	close(release)
	expect(t, tel.seen, "ring c cleo")
	settle(t, d)
	want := []string{"ring a ana", "reconcile 2", "ring c cleo", "reconcile 0"}
	if got := tel.got(); !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	if len(tel.lists[0]) != 2 || tel.lists[0][1] != (telephony.Ring{Call: "b", Teammate: "ben", Team: "support"}) {
		t.Fatalf("lists %+v", tel.lists)
	}
	cmds := dr.got()
	if len(cmds) != 1 || cmds[0].Op != assign.OpDecline || cmds[0].Call != "b" || cmds[0].Teammate != "ben" ||
		cmds[0].Decline != eventlog.DeclineConnectivity {
		t.Fatalf("submitted %+v", cmds)
	}
}

// panicky panics on every effect.
type panicky struct{}

func (panicky) Execute(context.Context, telephony.Effect) error { panic("boom") }

// A Ring whose Execute panics is a failed ring: declined, and the
// dispatcher goes on.
func TestPanickingRingDeclines(t *testing.T) {
	d, dr := newDispatcher(t, panicky{}, 0)
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 1, Effects: []assign.Effect{ring("c1", "ana"), ring("c2", "ben")}})
	settle(t, d)
	if cmds := dr.got(); len(cmds) != 2 {
		t.Fatalf("submitted %+v", cmds)
	}
}

// Effects wait for a Telephony; closed without one, the dispatcher drops
// them, logging each, and so it does for deliveries after Close. Nothing
// is stuck: Sync returns.
func TestCloseDropsAndLogs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	d := telephony.NewDispatcher(telephony.DispatcherConfig{Logger: slog.New(slog.NewTextHandler(&lockedWriter{&mu, &buf}, nil))})
	d.Deliver(reconcileDelivery(1))
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 2, Effects: []assign.Effect{ring("c1", "ana"), stop("c2", "ben")}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with effects waiting = %v", err)
	}
	d.Close()
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 3, Effects: []assign.Effect{ring("c3", "cleo")}})
	d.Close()
	settle(t, d)
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"reconciliation dropped", "call=c1 teammate=ana", "call=c2 teammate=ben", "call=c3 teammate=cleo"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if d.Telephony() != nil {
		t.Fatal("a Telephony appeared")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Close cancels the context of a running Execute and waits for it.
func TestCloseCancelsRunning(t *testing.T) {
	tel := &recorder{block: map[pb.CallID]chan struct{}{"a": make(chan struct{})}, seen: make(chan string, 4)}
	d := telephony.NewDispatcher(telephony.DispatcherConfig{Telephony: tel, Logger: quiet()})
	d.Deliver(replica.Delivery{Workspace: "ws", Index: 1, Effects: []assign.Effect{ring("a", "ana")}})
	expect(t, tel.seen, "ring a ana")
	d.Close() // returns once the blocked Execute saw its context end
	if got := tel.got(); len(got) != 0 {
		t.Fatalf("finished %v", got)
	}
}

// LogTelephony logs each kind and refuses an unknown one.
func TestLogTelephony(t *testing.T) {
	var buf bytes.Buffer
	l := telephony.LogTelephony{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ctx := context.Background()
	for _, ef := range []assign.Effect{ring("c1", "ana"), stop("c1", "ana"),
		{Kind: assign.Deflect, Call: "c1", Deflection: eventlog.DeflectQueueFull},
		{Kind: assign.ReassignReplies, Teammate: "ana"}} {
		if err := l.Execute(ctx, telephony.Effect{Effect: ef, Workspace: "ws"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Execute(ctx, telephony.Effect{}); !errors.Is(err, telephony.ErrUnknownEffect) {
		t.Fatalf("unknown kind: %v", err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 4 {
		t.Fatalf("%d records:\n%s", n, buf.String())
	}
}
