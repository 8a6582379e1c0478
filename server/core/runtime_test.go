package core_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fastRaft(c *raft.Config) {
	c.HeartbeatTimeout = 100 * time.Millisecond
	c.ElectionTimeout = 100 * time.Millisecond
	c.LeaderLeaseTimeout = 50 * time.Millisecond
}

func open(t *testing.T, cfg core.Config) *core.Runtime {
	t.Helper()
	cfg.Logger, cfg.TuneRaft = quiet(), fastRaft
	if cfg.Engine.RingTimeout == 0 {
		cfg.Engine = assign.DefaultConfig()
	}
	rt, err := core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// do submits cmd, retrying while the node elects itself.
func do(t *testing.T, rt *core.Runtime, cmd assign.Command) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, err := rt.Default().Do(ctx, cmd)
		if err == nil {
			return
		}
		if ctx.Err() != nil || rt.Node().IsLeader() {
			t.Fatalf("%v: %v", cmd.Op, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var active = presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}

func seed(t *testing.T, rt *core.Runtime) {
	do(t, rt, assign.Command{Op: assign.OpAddTeam, Team: "support", Name: "Support"})
	for _, id := range []pb.TeammateID{"ana", "ben"} {
		do(t, rt, assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: string(id), Presence: active})
		do(t, rt, assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: id})
	}
}

// A reopened runtime rebuilds its metrics from the event store, and the
// replayed log adds no event twice.
//
// Rule: MT1, MT2, MT15
func TestReopenRebuildsMetricsWithoutDuplicates(t *testing.T) {
	dir := t.TempDir()
	tel := telephony.LogTelephony{Logger: quiet()}
	rt := open(t, core.Config{Dir: dir, Telephony: tel})
	seed(t, rt)
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	do(t, rt, assign.Command{Op: assign.OpAnswer, Call: "call-1", Teammate: "ana"})
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-2", Team: "support"})
	before := rt.Default().Dashboard(time.Time{})
	events := rt.Default().Events().Len()
	if before.Active != 1 || before.InQueue != 1 {
		t.Fatalf("dashboard before: active %d, in queue %d", before.Active, before.InQueue)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}

	rt = open(t, core.Config{Dir: dir, Telephony: tel})
	defer rt.Close()
	after := rt.Default().Dashboard(time.Time{})
	if after.Active != 1 || after.InQueue != 1 || after.AvailableForPhone != before.AvailableForPhone {
		t.Fatalf("dashboard after reopening: %+v, was %+v", after, before)
	}
	// Wait until the replayed log is applied, then check nothing doubled.
	do(t, rt, assign.Command{Op: assign.OpEndCall, Call: "call-2", By: eventlog.ByCustomer})
	tl, err := rt.Default().Events().Timeline("call-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) != 4 { // placed, queued, offered, answered
		t.Fatalf("call-1's timeline after reopening: %d events", len(tl))
	}
	if got := rt.Default().Events().Len(); got <= events {
		t.Fatalf("%d events after a hang-up, had %d", got, events)
	}
	if d := rt.Default().Dashboard(time.Time{}); d.InQueue != 0 || d.Active != 1 {
		t.Fatalf("after call-2's hang-up: %+v", d)
	}
}

// Subscribers get each applied entry's new events with its index; a slow
// one misses batches and is told so; the log's application never waits.
func TestSubscriptionsAndGaps(t *testing.T) {
	rt := open(t, core.Config{InMemory: true, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	fast := rt.Subscribe(1024)
	slow := rt.Subscribe(1)
	seed(t, rt)
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})

	var got []eventlog.Event
	var last uint64
	for len(got) == 0 || got[len(got)-1].Kind != eventlog.CallOffered {
		b := within(t, fast.C())
		if b.Gap || b.Index <= last {
			t.Fatalf("batch %+v after index %d", b, last)
		}
		last = b.Index
		got = append(got, b.Events...)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq != got[i-1].Seq+1 {
			t.Fatalf("seq %d after %d", got[i].Seq, got[i-1].Seq)
		}
	}
	first := within(t, slow.C()) // the first batch fit; later ones did not
	if first.Gap {
		t.Fatal("the first batch is marked as after a gap")
	}
	do(t, rt, assign.Command{Op: assign.OpEndCall, Call: "call-1", By: eventlog.ByCustomer})
	if b := within(t, slow.C()); !b.Gap {
		t.Fatalf("the slow subscriber's next batch is not marked as after a gap: %+v", b)
	}
	slow.Close()
	fast.Close()
	for range fast.C() { // what was buffered before Close, then closed
	}
}

// Without a Telephony, deliveries wait for one: the first ring is carried
// out once it is set.
func TestDeliveriesWaitForTheTelephony(t *testing.T) {
	rt := open(t, core.Config{InMemory: true})
	defer rt.Close()
	seed(t, rt)
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	rec := &recorder{rang: make(chan pb.CallID, 4)}
	rt.SetTelephony(rec)
	select {
	case call := <-rec.rang:
		if call != "call-1" {
			t.Fatalf("rang %s", call)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the held ring was never carried out")
	}
	if rt.Telephony() != telephony.Telephony(rec) {
		t.Fatal("Telephony() is not the one set")
	}
}

type recorder struct {
	rang chan pb.CallID
}

func (r *recorder) Execute(_ context.Context, ef telephony.Effect) error {
	if ef.Kind == assign.Ring {
		r.rang <- ef.Call
	}
	return nil
}

// With a small in-memory window, an old call's timeline is read back
// whole from the store on disk.
func TestOldTimelinesComeFromTheFile(t *testing.T) {
	rt := open(t, core.Config{Dir: t.TempDir(), MemoryEvents: 8, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	seed(t, rt)
	for _, call := range []pb.CallID{"call-1", "call-2", "call-3"} {
		do(t, rt, assign.Command{Op: assign.OpArrive, Call: call, Team: "support"})
		do(t, rt, assign.Command{Op: assign.OpEndCall, Call: call, By: eventlog.ByCustomer})
	}
	if n := len(rt.Default().Events().Recent(0)); n != 8 {
		t.Fatalf("%d events in memory, want 8", n)
	}
	tl, err := rt.Default().Events().Timeline("call-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) < 4 || tl[0].Kind != eventlog.CallPlaced || tl[len(tl)-1].Kind != eventlog.CallEndedBeforeAnswer {
		t.Fatalf("call-1's timeline: %v", tl)
	}
}

// within receives from ch, failing the test after 10 s.
func within[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received within 10 s")
		panic("unreachable")
	}
}
