package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/hashicorp/raft"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/eventstore"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// blockConsumers makes the stream's consumers wait: a reader holds the
// metrics collector until the returned func is called.
func blockConsumers(rt *core.Runtime) (release func()) {
	held, done := make(chan struct{}), make(chan struct{})
	go rt.Default().WithCollector(func(*metrics.Collector) {
		close(held)
		<-done
	})

	<-held
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// The state machine applies and releases its lock before the consumers
// run: while they are held up (here the metrics fold, waiting for a
// reader; in production the event store's disk), a command still applies
// and a View still returns, without waiting for them. Once they resume,
// the command's events reach the store and the metrics.
func TestViewIsNotBlockedBySlowConsumers(t *testing.T) {
	rt := open(t, core.Config{InMemory: true, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	seed(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	release := blockConsumers(rt)
	defer release()
	applied := make(chan error, 1)
	go func() {
		_, err := rt.Node().Do(ctx, core.DefaultWorkspace, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
		applied <- err
	}()
	select {
	case err := <-applied:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the command waited for the consumers")
	}
	viewed := make(chan bool, 1)
	go func() {
		_, _ = rt.Default().View(func(e *assign.Engine) { _, ok := e.Call("call-1"); viewed <- ok })
	}()
	select {
	case ok := <-viewed:
		if !ok {
			t.Fatal("View does not see the applied call")
		}
	case <-ctx.Done():
		t.Fatal("View waited for the consumers")
	}
	release()
	if err := rt.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if d := rt.Default().Dashboard(time.Time{}); d.InQueue != 1 {
		t.Fatalf("after the consumers resumed: in queue %d", d.InQueue)
	}
	if tl, err := rt.Default().Events().Timeline("call-1"); err != nil || len(tl) == 0 {
		t.Fatalf("call-1's timeline: %v, %v", tl, err)
	}
}

// Runtime.Do returns once the engine has applied the command, without
// waiting for the stream's consumers (the event store's commit); the
// readers of what they feed wait instead, so a read right after a Do sees
// that write: the dashboard and the event store read after the consumers
// are released show the call at once.
func TestDoDoesNotWaitForTheStreamButReadsSeeIt(t *testing.T) {
	rt := open(t, core.Config{InMemory: true, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	seed(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	release := blockConsumers(rt)
	defer release()
	if _, err := rt.Default().Do(ctx, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"}); err != nil {
		t.Fatalf("Do waited for the consumers: %v", err)
	}
	release()
	if d := rt.Default().Dashboard(time.Time{}); d.InQueue != 1 {
		t.Fatalf("the dashboard read after Do shows %d in queue, want 1", d.InQueue)
	}
	if tl, err := rt.Default().Events().Timeline("call-1"); err != nil || len(tl) == 0 {
		t.Fatalf("the timeline read after Do: %v, %v", tl, err)
	}
}

// A command sent with an idempotency key is a Do: it returns once the
// engine has applied it, without waiting for the stream's consumers, so
// a held-up event store cannot turn an applied command into an error; a
// retry with the key returns the recorded outcome, and the readers see
// the write once the consumers resume.
func TestDoIdempotentDoesNotWaitForTheStream(t *testing.T) {
	rt := open(t, core.Config{InMemory: true, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	seed(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	release := blockConsumers(rt)
	defer release()
	cmd := assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"}
	rd, err := rt.Default().DoIdempotent(ctx, cmd, "key-1", "hash-1")
	if err != nil {
		t.Fatalf("DoIdempotent waited for the consumers: %v", err)
	}
	again, err := rt.Default().DoIdempotent(ctx, cmd, "key-1", "hash-1")
	if err != nil || len(again.Events) != len(rd.Events) {
		t.Fatalf("the retry: %d events, %v; the first: %d events", len(again.Events), err, len(rd.Events))
	}
	release()
	if d := rt.Default().Dashboard(time.Time{}); d.InQueue != 1 {
		t.Fatalf("the dashboard read after DoIdempotent shows %d in queue, want 1", d.InQueue)
	}
}

// The stream's queue is bounded: when the consumers fall behind by more
// than it holds, the state machine waits for them rather than drop a
// durable event, and every event reaches the store once they resume.
func TestFullStreamHoldsTheLogBackAndLosesNothing(t *testing.T) {
	rt := open(t, core.Config{InMemory: true, StreamBuffer: 1, Telephony: telephony.LogTelephony{Logger: quiet()}})
	defer rt.Close()
	seed(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	release := blockConsumers(rt)
	defer release()
	const calls = 6
	errs := make(chan error, calls)
	for i := range calls {
		go func() {
			_, err := rt.Node().Do(ctx, core.DefaultWorkspace,
				assign.Command{Op: assign.OpArrive, Call: pb.CallID(fmt.Sprintf("call-%d", i)), Team: "support"})
			errs <- err
		}()
	}
	release()
	for range calls {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := uint64(rt.Default().Events().Len()), rt.Default().Events().LastSeq(); got != want {
		t.Fatalf("%d events stored, last seq %d: some were dropped", got, want)
	}
	if d := rt.Default().Dashboard(time.Time{}); d.InQueue != calls {
		t.Fatalf("in queue %d, want %d", d.InQueue, calls)
	}
}

// A follower that joins after the leader compacted its log installs a
// snapshot: the events of the entries the snapshot covers never reach it.
// It records that gap durably and serves it (Gaps), and stores the events
// of every entry after it; nothing is silently missing.
func TestFollowerInstallingASnapshotMarksTheGap(t *testing.T) {
	dir1 := t.TempDir()
	tel := telephony.LogTelephony{Logger: quiet()}
	leader, err := core.Open(core.Config{Dir: dir1, NodeID: "n1", RaftAddr: "127.0.0.1:0", Bootstrap: true,
		Engine: assign.DefaultConfig(), Telephony: tel, Logger: quiet(), TuneRaft: snapshotting})
	if err != nil {
		t.Fatal(err)
	}
	defer leader.Close()
	seed(t, leader)
	do(t, leader, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	do(t, leader, assign.Command{Op: assign.OpEndCall, Call: "call-1", By: eventlog.ByCustomer})
	waitSnapshot(t, leader, dir1)

	dir2 := t.TempDir()
	follower, err := core.Open(core.Config{Dir: dir2, NodeID: "n2", RaftAddr: "127.0.0.1:0",
		Engine: assign.DefaultConfig(), Telephony: tel, Logger: quiet(), TuneRaft: snapshotting})
	if err != nil {
		t.Fatal(err)
	}
	defer follower.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := leader.Node().Join(ctx, "n2", follower.Node().Addr()); err != nil {
		t.Fatal(err)
	}
	do(t, leader, assign.Command{Op: assign.OpArrive, Call: "call-2", Team: "support"})
	last := leader.Node().AppliedIndex()
	for follower.Node().AppliedIndex() < last {
		if ctx.Err() != nil {
			t.Fatal("the follower did not catch up")
		}
		time.Sleep(10 * time.Millisecond) // polling a real cluster, bounded by ctx
	}
	if err := follower.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}

	// One gap per snapshot installed (the leader may have taken another
	// while the follower caught up), together from the start of the log.
	gaps := follower.Gaps()
	var upto uint64
	for _, g := range gaps {
		if g.After != upto || g.Upto <= g.After || g.Reason != core.GapReasonSnapshot {
			t.Fatalf("the follower's gaps: %+v", gaps)
		}
		upto = g.Upto
	}
	if upto == 0 {
		t.Fatal("the follower installed a snapshot and reports no gap")
	}
	want, err := leader.Default().Events().Timeline("call-2")
	if err != nil || len(want) == 0 {
		t.Fatalf("leader's call-2: %v %v", want, err)
	}
	got, err := follower.Default().Events().Timeline("call-2")
	if err != nil || len(got) != len(want) {
		t.Fatalf("the follower's call-2 timeline: %d events, want %d (%v)", len(got), len(want), err)
	}

	// The gap is durable: a restarted follower still serves it.
	if err := follower.Close(); err != nil {
		t.Fatal(err)
	}
	follower, err = core.Open(core.Config{Dir: dir2, NodeID: "n2", RaftAddr: "127.0.0.1:0",
		Engine: assign.DefaultConfig(), Telephony: tel, Logger: quiet(), TuneRaft: snapshotting})
	if err != nil {
		t.Fatal(err)
	}
	defer follower.Close()
	if g := follower.Gaps(); !slices.Equal(g, gaps) {
		t.Fatalf("after a restart the gaps are %+v, were %+v", g, gaps)
	}
}

// snapshotting is fastRaft that snapshots after a few entries and keeps
// one trailing log entry, so a restart or a join meets a snapshot.
func snapshotting(c *raft.Config) {
	fastRaft(c)
	c.SnapshotThreshold, c.TrailingLogs, c.SnapshotInterval = 4, 1, 20*time.Millisecond
}

// waitSnapshot does commands until raft has taken a snapshot in dir.
func waitSnapshot(t *testing.T, rt *core.Runtime, dir string) { waitSnapshotPast(t, rt, dir, 0) }

// waitSnapshotPast submits entries until raft has taken a snapshot of an
// index above past (a snapshot left by an earlier run does not count).
func waitSnapshotPast(t *testing.T, rt *core.Runtime, dir string, past uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		metas, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*", "meta.json"))
		for _, m := range metas {
			var meta struct{ Index uint64 }
			if b, err := os.ReadFile(m); err == nil && json.Unmarshal(b, &meta) == nil && meta.Index > past {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("raft took no snapshot past index %d", past)
		}
		do(t, rt, assign.Command{Op: assign.OpAdvance}) // more entries past the threshold
	}
}

// A store imported from an old events.jsonl records no applied index; a
// node restarted on it with a raft snapshot adopts the snapshot's index
// rather than report a gap: the old server wrote every event before raft
// could snapshot it.
func TestImportedStoreAdoptsTheSnapshotIndex(t *testing.T) {
	dir := t.TempDir()
	cfg := core.Config{Dir: dir, Engine: assign.DefaultConfig(), Telephony: telephony.LogTelephony{Logger: quiet()},
		Logger: quiet(), TuneRaft: snapshotting}
	rt, err := core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, rt)
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	waitSnapshot(t, rt, dir)
	want, err := rt.Default().Events().Timeline("call-1")
	if err != nil || len(want) == 0 {
		t.Fatal(want, err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}

	// Make the data directory an older version's: events.jsonl only.
	st, err := eventstore.Open(eventstore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	if err := st.Export(eventstore.LegacyWorkspace, &lines); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, eventstore.FileName)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, eventstore.LegacyFileName), lines.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	rt, err = core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	do(t, rt, assign.Command{Op: assign.OpEndCall, Call: "call-1", By: eventlog.ByCustomer})
	if g := rt.Gaps(); len(g) != 0 {
		t.Fatalf("gaps after importing a complete events.jsonl: %+v", g)
	}
	if rt.Store().Applied() == 0 {
		t.Fatal("the store adopted no applied index")
	}
	got, err := rt.Default().Events().Timeline("call-1")
	if err != nil || len(got) != len(want)+1 || got[len(got)-1].Kind != eventlog.CallEndedBeforeAnswer {
		t.Fatalf("call-1 after the import: %v (%v), was %v", got, err, want)
	}
}

// The runtime prunes the event store on its clock: at Open (and then
// every PruneEvery), events older than EventRetention are deleted.
func TestEventsPastTheRetentionArePruned(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewMock()
	clk.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	cfg := core.Config{Dir: dir, Clock: clk, EventRetention: time.Hour, Telephony: telephony.LogTelephony{Logger: quiet()}}
	rt := open(t, cfg)
	seed(t, rt) // no call: no deadline falls due while the clock moves
	stored, last := rt.Default().Events().Len(), rt.Default().Events().LastSeq()
	if stored == 0 {
		t.Fatal("nothing stored")
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}

	clk.Add(30 * time.Minute)
	rt = open(t, cfg)
	if got := rt.Default().Events().Len(); got != stored {
		t.Fatalf("%d events within the retention, had %d", got, stored)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	rt = open(t, cfg)
	defer rt.Close()
	if got := rt.Default().Events().Len(); got != 0 {
		t.Fatalf("%d events older than the retention are left", got)
	}
	if rt.Default().Events().LastSeq() != last {
		t.Fatalf("last seq %d after pruning, was %d", rt.Default().Events().LastSeq(), last)
	}
}

// A node whose event store fell behind a raft snapshot (it crashed after
// raft snapshotted entries whose events the store had not written) marks
// the entries in between as a gap when it restarts, and stores the
// entries after the snapshot from the log.
func TestRestartBehindASnapshotMarksTheGap(t *testing.T) {
	dir := t.TempDir()
	cfg := core.Config{Dir: dir, Engine: assign.DefaultConfig(), Telephony: telephony.LogTelephony{Logger: quiet()},
		Logger: quiet(), TuneRaft: snapshotting}
	rt, err := core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	do(t, rt, assign.Command{Op: assign.OpAddTeam, Team: "support", Name: "Support"})
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join(dir, eventstore.FileName))

	if err != nil {
		t.Fatal(err)
	}

	rt, err = core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []pb.TeammateID{"ana", "ben"} {
		do(t, rt, assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: string(id), Presence: active})
		do(t, rt, assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: id})
	}
	// A snapshot that covers these commands (one of the leader's own
	// entries alone, a no-op or a barrier, carries no events to miss).
	waitSnapshotPast(t, rt, dir, rt.Node().AppliedIndex()-1)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	// The crash: the store as it was before the later entries.
	if err := os.WriteFile(filepath.Join(dir, eventstore.FileName), old, 0o600); err != nil {
		t.Fatal(err)
	}

	rt, err = core.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	do(t, rt, assign.Command{Op: assign.OpArrive, Call: "call-1", Team: "support"})
	gaps := rt.Gaps()
	if len(gaps) != 1 || gaps[0].After == 0 || gaps[0].Upto <= gaps[0].After {
		t.Fatalf("gaps after restarting behind a snapshot: %+v", gaps)
	}
	if tl, err := rt.Default().Events().Timeline("call-1"); err != nil || len(tl) == 0 {
		t.Fatalf("call-1 after the gap: %v %v", tl, err)
	}
}
