package suite

import (
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/btree"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
)

// The full-call workloads of issue 11: one inbound call rung, answered and
// ended (no wrap-up), the engine alone, with a metrics collector, and
// through [assign.Live]; and the tree work such a call cannot avoid, as
// their common denominator.

// FullCallSeed seeds the full-call fixtures.
const FullCallSeed = 11

// FullCallCommands is the number of engine commands in one full call:
// Arrive (which rings), Answer and EndCall.
const FullCallCommands = 3

// FullCallStep is how far the clock moves between two full calls, so
// that each answer is a distinct last assignment, as on a wall clock.
const FullCallStep = time.Microsecond

// TreeDegree is the degree of the engine's per-team B-trees (assign's
// treeDegree), which [TreeLimit] copies.
const TreeDegree = 32

// FullCallConfig is the product's defaults with no wrap-up and ended calls
// forgotten at once, so that a full call leaves nothing behind: the
// teammate is eligible again the moment the call ends and the call's ID
// is free for reuse.
func FullCallConfig() assign.Config {
	cfg := assign.DefaultConfig()
	cfg.WrapUp = 0
	cfg.EndedCallRetention = 0
	return cfg
}

// FullCallFixture is one engine in the [Realistic] mix (no call left
// ringing) for the full-call workloads. It belongs to one workload: each
// workload builds its own, so that they never share state.
type FullCallFixture struct {
	State *State
	// Collector observes every event of State's engine, if the fixture was
	// built with metrics.
	Collector *metrics.Collector
	calls     []pb.CallID
	i         int
}

// NewFullCallFixture builds the fixture for n teammates; with observe,
// every event the engine logs, from the first, goes to a
// [metrics.Collector].
func NewFullCallFixture(n int, observe bool) (*FullCallFixture, error) {
	f := &FullCallFixture{calls: callPool()}
	var sink func([]eventlog.Event) error
	if observe {
		coll, err := metrics.New(metrics.DefaultConfig())
		if err != nil {
			return nil, err
		}
		f.Collector, sink = coll, Observer(coll)
	}
	s, err := BuildObserved(n, FullCallSeed, quiet, FullCallConfig(), sink)
	if err != nil {
		return nil, err
	}
	f.State = s
	return f, nil
}

// next returns the next call ID of the pool.
func (f *FullCallFixture) next() pb.CallID {
	c := f.calls[f.i&(len(f.calls)-1)]
	f.i++
	return c
}

// Call runs one full call on the engine alone, draining Ready after each
// command as a host would (into the collector, if any), and returns the
// call and the teammate who took it.
func (f *FullCallFixture) Call() (pb.CallID, pb.TeammateID, error) {
	s := f.State
	e := s.Engine
	s.Now = s.Now.Add(FullCallStep)
	c := f.next()
	if err := e.Arrive(s.Now, c, Team); err != nil {
		return c, "", err
	}
	tm, ok := Rung(s.Drain(), c)
	if !ok {
		return c, "", fmt.Errorf("suite: call %q rang nobody", c)
	}
	if err := e.Answer(s.Now, c, tm); err != nil {
		return c, tm, err
	}
	s.Drain()
	if err := e.EndCall(s.Now, c, eventlog.ByTeammate); err != nil {
		return c, tm, err
	}
	s.Drain()
	return c, tm, nil
}

// FullCall measures one full inbound call among n teammates in the
// [Realistic] mix, the engine alone: Arrive queues the call, which rings
// the longest-idle eligible member; that teammate answers; they end the
// call and, with no wrap-up, are eligible again at the back of the line.
// [FullCallCommands] commands; Ready is drained after each.
func FullCall(n int) func(b *testing.B) { return fullCall(n, false) }

// FullCallWithMetrics is [FullCall] with every event also folded into a
// [metrics.Collector], which refuses none.
func FullCallWithMetrics(n int) func(b *testing.B) { return fullCall(n, true) }

func fullCall(n int, observe bool) func(b *testing.B) {
	var f *FullCallFixture
	return func(b *testing.B) {
		if f == nil {
			var err error
			if f, err = NewFullCallFixture(n, observe); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, _, err := f.Call(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if f.Collector != nil && f.Collector.Rejected() > 0 {
			b.Fatalf("the collector refused %d events", f.Collector.Rejected())
		}
	}
}

// LiveCaller runs full calls through an [assign.Live] on the real clock,
// one command per [assign.Live.Do], with a Deliver that consumes every
// Ready: it counts the Ready values, effects, events and rings.
type LiveCaller struct {
	Live  *assign.Live
	calls []pb.CallID
	i     int

	// Written by Deliver; atomic, as a deadline firing on the Live's
	// timer may deliver while the driver reads them. On cache lines of
	// their own, so that Deliver's writes do not evict the fields above,
	// which the commands' goroutine reads at every command.
	_                               [128]byte
	readies, effects, events, rings atomic.Int64
	_                               [128]byte
}

// NewLiveCaller starts a Live over the fixture's engine, which the Live
// owns until [LiveCaller.Close]. The engine's clock jumps from the
// fixture's simulated time to the wall clock.
func NewLiveCaller(f *FullCallFixture) *LiveCaller {
	lc := &LiveCaller{calls: f.calls}
	lc.Live = assign.NewLive(f.State.Engine, assign.LiveConfig{Deliver: lc.deliver})
	return lc
}

func (lc *LiveCaller) deliver(r assign.Ready) {
	lc.readies.Add(1)
	lc.effects.Add(int64(len(r.Effects)))
	lc.events.Add(int64(len(r.Events)))
	for _, ef := range r.Effects {
		if ef.Kind == assign.Ring {
			lc.rings.Add(1)
		}
	}
}

// Call runs one full call: Arrive, Answer by the teammate rung, EndCall,
// each its own command. The teammate to answer is the one the engine says
// is next in line just before Arrive, inside the same command; Answer
// fails if the ring went to anyone else.
func (lc *LiveCaller) Call() (pb.CallID, pb.TeammateID, error) {
	c := lc.calls[lc.i&(len(lc.calls)-1)]
	lc.i++
	var tm pb.TeammateID
	err := lc.Live.Do(func(e *assign.Engine, now time.Time) error {
		var ok bool
		if tm, ok = e.NextInLine(Team); !ok {
			return fmt.Errorf("suite: nobody in line for %q", c)
		}
		return e.Arrive(now, c, Team)
	})
	if err != nil {
		return c, tm, err
	}
	if err := lc.Live.Do(func(e *assign.Engine, now time.Time) error { return e.Answer(now, c, tm) }); err != nil {
		return c, tm, err
	}
	err = lc.Live.Do(func(e *assign.Engine, now time.Time) error { return e.EndCall(now, c, eventlog.ByTeammate) })
	return c, tm, err
}

// Delivered waits until every Ready so far has been delivered and returns
// how many Ready values, effects, events and Ring effects Deliver saw.
func (lc *LiveCaller) Delivered() (readies, effects, events, rings int64) {
	lc.Live.Sync()
	return lc.readies.Load(), lc.effects.Load(), lc.events.Load(), lc.rings.Load()
}

// Close stops the Live; the engine may then be driven directly again.
func (lc *LiveCaller) Close() { lc.Live.Close() }

// LiveFullCall measures [FullCall] through [assign.Live] on the real
// clock: each of the three commands is a Live.Do (lock, wall-clock read,
// command, Ready queued for delivery, deadline timer re-armed), and a
// Deliver on the Live's own goroutine consumes every Ready. The time
// includes waiting, at the end, until everything has been delivered, so
// it is the end-to-end cost; allocations of both goroutines count. A Live
// is started for each round of the benchmark and closed after it, outside
// the timing.
func LiveFullCall(n int) func(b *testing.B) {
	var f *FullCallFixture
	return func(b *testing.B) {
		if f == nil {
			var err error
			if f, err = NewFullCallFixture(n, false); err != nil {
				b.Fatal(err)
			}
		}
		lc := NewLiveCaller(f)
		defer lc.Close()
		_, _, _, rings0 := lc.Delivered() // deadlines the clock jump fired
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, _, err := lc.Call(); err != nil {
				b.Fatal(err)
			}
		}
		_, _, _, rings := lc.Delivered()
		b.StopTimer()
		if rings-rings0 != int64(b.N) {
			b.Fatalf("%d calls delivered %d rings", b.N, rings-rings0)
		}
	}
}

// TreeItem is shaped like the engine's eligible-teammate items: the last
// assignment in Unix nanoseconds (math.MinInt64 for never), the ID, and a
// pointer to the teammate.
type TreeItem struct {
	Last int64
	ID   pb.TeammateID
	T    *TreeTeammate
}

// TreeTeammate stands for the engine's teammate record an item points to.
type TreeTeammate struct{ ID pb.TeammateID }

// LessTreeItem orders items as the engine does: longest idle first, then
// by ID.
func LessTreeItem(a, b TreeItem) bool {
	if a.Last != b.Last {
		return a.Last < b.Last
	}
	return a.ID < b.ID
}

// TreeLimitFixture is a degree-[TreeDegree] B-tree holding the eligible
// members of a fresh full-call fixture's team, as the engine's tree does.
type TreeLimitFixture struct {
	Tree *btree.BTreeG[TreeItem]
	last int64
}

// NewTreeLimitFixture builds the full-call fixture for n teammates and
// copies its team's eligible members, read through the engine's views,
// into a tree.
func NewTreeLimitFixture(n int) (*TreeLimitFixture, error) {
	f, err := NewFullCallFixture(n, false)
	if err != nil {
		return nil, err
	}
	e := f.State.Engine
	tf := &TreeLimitFixture{Tree: btree.NewG(TreeDegree, LessTreeItem), last: f.State.Now.UnixNano()}
	for _, id := range f.State.Members {
		v, ok := e.Teammate(id)
		if !ok {
			return nil, fmt.Errorf("suite: unknown teammate %q", id)
		}
		if !v.Eligible {
			continue
		}
		it := TreeItem{Last: math.MinInt64, ID: id, T: &TreeTeammate{ID: id}}
		if !v.LastAssigned.IsZero() {
			it.Last = v.LastAssigned.UnixNano()
		}
		tf.Tree.ReplaceOrInsert(it)
	}
	return tf, nil
}

// Rotate does a full call's unavoidable tree work: the longest-idle
// member leaves the tree (DeleteMin) and comes back at the end of the
// line with a new last assignment (ReplaceOrInsert). It returns the
// member's ID.
func (tf *TreeLimitFixture) Rotate() pb.TeammateID {
	it, _ := tf.Tree.DeleteMin()
	tf.last += int64(FullCallStep)
	it.Last = tf.last
	tf.Tree.ReplaceOrInsert(it)
	return it.ID
}

// TreeLimit measures the physical limit of a full call's tree work among
// n teammates: [TreeLimitFixture.Rotate] on a tree of the same eligible
// members, with the same item shape, order and degree as the engine's.
func TreeLimit(n int) func(b *testing.B) {
	var tf *TreeLimitFixture
	return func(b *testing.B) {
		if tf == nil {
			var err error
			if tf, err = NewTreeLimitFixture(n); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			tf.Rotate()
		}
	}
}
