package assign

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/stretchr/testify/require"
)

// gatedDeliver records every Ready's events, and blocks on the first Ready
// after arm until release is closed.
type gatedDeliver struct {
	mu      sync.Mutex
	seqs    []uint64
	readies int
	armed   bool
	blocked chan struct{} // closed once Deliver blocks
	release chan struct{}
}

func newGatedDeliver() *gatedDeliver {
	return &gatedDeliver{blocked: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedDeliver) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed = true
	g.blocked, g.release = make(chan struct{}), make(chan struct{})
}

func (g *gatedDeliver) deliver(r Ready) {
	g.mu.Lock()
	g.readies++
	for _, ev := range r.Events {
		g.seqs = append(g.seqs, ev.Seq)
	}
	block := g.armed
	g.armed = false
	blocked, release := g.blocked, g.release
	g.mu.Unlock()
	if block {
		close(blocked)
		<-release
	}
}

// addTeammates issues n commands, one Ready each.
func addTeammates(t *testing.T, l *Live, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		id := pb.TeammateID(fmt.Sprintf("q%04d", i))
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error {
			return e.AddTeammate(now, id, string(id), available())
		}))
	}
}

// backlog is enough Ready values that the queue's batches grow several
// times while Deliver is blocked.
const backlog = 200

// While Deliver is blocked, commands go on and their output queues up;
// once released, everything is delivered once, in the engine's order, and
// so is a second backlog of the same size, into the grown batches.
func TestLiveQueueBacklogInOrder(t *testing.T) {
	g := newGatedDeliver()
	e, err := New(DefaultConfig())
	require.NoError(t, err)
	l := NewLive(e, LiveConfig{Clock: clock.New(), Deliver: g.deliver})
	defer l.Close()
	for round := range 3 {
		g.arm()
		addTeammates(t, l, round*(backlog+1), 1)
		<-g.blocked
		addTeammates(t, l, round*(backlog+1)+1, backlog)
		require.Equal(t, backlog, l.Pending(), "round %d: the Ready values behind the blocked Deliver", round)
		close(g.release)
		l.Sync()
		require.Zero(t, l.Pending())
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	require.Equal(t, 3*(backlog+1), g.readies)
	require.NotEmpty(t, g.seqs)
	for i := 1; i < len(g.seqs); i++ {
		require.Equal(t, g.seqs[i-1]+1, g.seqs[i], "events delivered once each, in order")
	}
}

// A Deliver that panics on one Ready of a run taken at once is recovered,
// and the Ready values after it in the same run are still delivered, in
// order; Sync counts the one that panicked as delivered.
func TestLiveDeliverPanicMidRun(t *testing.T) {
	g := newGatedDeliver()
	var mu sync.Mutex
	var panics []any
	calls := 0
	deliver := func(r Ready) {
		g.deliver(r)
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 5 || n == backlog {
			panic(n)
		}
	}
	e, err := New(DefaultConfig())
	require.NoError(t, err)
	l := NewLive(e, LiveConfig{Clock: clock.New(), Deliver: deliver, OnPanic: func(v any) {
		mu.Lock()
		defer mu.Unlock()
		panics = append(panics, v)
	}})
	defer l.Close()
	g.arm()
	addTeammates(t, l, 0, 1)
	<-g.blocked
	addTeammates(t, l, 1, backlog+20)
	close(g.release)
	l.Sync()
	mu.Lock()
	require.Equal(t, []any{5, backlog}, panics)
	require.Equal(t, backlog+20+1, calls)
	mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := 1; i < len(g.seqs); i++ {
		require.Equal(t, g.seqs[i-1]+1, g.seqs[i])
	}
}

// Close from outside while the delivery goroutine sleeps wakes it, and it
// stops; Close while Ready values are queued behind a blocked Deliver
// delivers them all first.
func TestLiveCloseDeliversTheBacklog(t *testing.T) {
	g := newGatedDeliver()
	e, err := New(DefaultConfig())
	require.NoError(t, err)
	l := NewLive(e, LiveConfig{Clock: clock.New(), Deliver: g.deliver})
	g.arm()
	addTeammates(t, l, 0, 1)
	<-g.blocked
	addTeammates(t, l, 1, backlog+1)
	closed := make(chan struct{})
	go func() {
		l.Close()
		close(closed)
	}()
	for l.Do(func(*Engine, time.Time) error { return nil }) != ErrClosed {
		runtime.Gosched() // until Close has begun, with the backlog queued
	}
	require.Equal(t, backlog+1, l.Pending())
	close(g.release)
	<-closed
	require.Zero(t, l.Pending())
	g.mu.Lock()
	defer g.mu.Unlock()
	require.Equal(t, backlog+2, g.readies)

	idle := NewLive(e, LiveConfig{Clock: clock.New()})
	idle.Sync()
	idle.Close() // the delivery goroutine sleeps: Close wakes it
}
