package assign

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

type recorder struct {
	mu     sync.Mutex
	events []eventlog.Event
	rings  int
}

func (r *recorder) deliver(rd Ready) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, rd.Events...)
	for _, ef := range rd.Effects {
		if ef.Kind == Ring {
			r.rings++
		}
	}
}

func (r *recorder) kinds(kind eventlog.Kind) []eventlog.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []eventlog.Event
	for _, ev := range r.events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

func newLiveTeam(t *testing.T, cfg LiveConfig, n int) *Live {
	t.Helper()
	e, err := New(DefaultConfig())
	require.NoError(t, err)
	require.NoError(t, e.AddTeam("sup", "Support", TeamConfig{}))
	l := NewLive(e, cfg)
	for i := range n {
		id := pb.TeammateID(fmt.Sprintf("tm%02d", i))
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error {
			if err := e.AddTeammate(now, id, string(id), available()); err != nil {
				return err
			}
			return e.AddMember(now, "sup", id)
		}))
	}
	return l
}

// The real clock inside a synctest bubble: the ring deadline fires on its
// own 30 s after the offer, from the Live's single timer.
// Rule: AS5
func TestLiveFiresRingTimeoutOnItsOwn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		l := newLiveTeam(t, LiveConfig{Clock: clock.New(), Deliver: rec.deliver}, 1)
		requireOwnRingTimeout(t, l, rec)
		l.Close()
	})
}

// requireOwnRingTimeout queues call c1, lets 31 s pass on the bubble's
// clock, and checks that its ring timed out 30 s after the offer.
func requireOwnRingTimeout(t *testing.T, l *Live, rec *recorder) {
	t.Helper()
	start := time.Now()
	require.NoError(t, l.Do(func(e *Engine, now time.Time) error { return e.Arrive(now, "c1", "sup") }))
	time.Sleep(31 * time.Second)
	synctest.Wait()
	missed := rec.kinds(eventlog.CallMissed)
	require.Len(t, missed, 1)
	require.True(t, start.Add(30*time.Second).Equal(missed[0].At), "missed at %v", missed[0].At)
}

// Many goroutines issue commands while deadlines fire; the race detector
// watches, and every call ends up answered, ringing or waiting, never lost.
// Rule: X3, X4
func TestLiveConcurrentCommands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		l := newLiveTeam(t, LiveConfig{Clock: clock.New(), Deliver: rec.deliver}, 8)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 25 {
					id := pb.CallID(fmt.Sprintf("g%d-%d", g, i))
					_ = l.Do(func(e *Engine, now time.Time) error { return e.Arrive(now, id, "sup") })
					time.Sleep(time.Duration(g+1) * 7 * time.Second)
					_ = l.Do(func(e *Engine, now time.Time) error {
						if v, ok := e.Call(id); ok && v.Ringing != "" {
							return e.Answer(now, id, v.Ringing)
						}
						return nil
					})
					time.Sleep(20 * time.Second)
					_ = l.Do(func(e *Engine, now time.Time) error { return e.HangUp(now, id) })
				}
			})
		}
		wg.Wait()
		time.Sleep(time.Hour)
		synctest.Wait()
		l.View(func(e *Engine) {
			for i := range 8 {
				v, _ := e.Teammate(pb.TeammateID(fmt.Sprintf("tm%02d", i)))
				require.Empty(t, v.Ringing)
				require.Zero(t, v.Calls)
			}
		})
		ended := len(rec.kinds(eventlog.CallEnded)) + len(rec.kinds(eventlog.CallEndedBeforeAnswer))
		require.Equal(t, 100, ended)
		l.Close()
		require.ErrorIs(t, l.Do(func(*Engine, time.Time) error { return nil }), ErrClosed)
	})
}

// A Deliver that panics is recovered; the engine and later deliveries go
// on.
func TestLiveDeliverPanicIsContained(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var panics, delivered int
		l := newLiveTeam(t, LiveConfig{
			Clock: clock.New(),
			Deliver: func(Ready) {
				mu.Lock()
				delivered++
				mu.Unlock()
				panic("host bug")
			},
			OnPanic: func(any) { mu.Lock(); panics++; mu.Unlock() },
		}, 1)
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error { return e.Arrive(now, "c1", "sup") }))
		synctest.Wait()
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error { return e.Answer(now, "c1", "tm00") }))
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		require.Equal(t, delivered, panics)
		require.GreaterOrEqual(t, delivered, 3)
	})
}

func available() presence.State {
	return presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
}

// Sync returns once everything produced before it has been delivered, so
// a host reads its own writes.
func TestLiveSyncReadsOwnWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		slow := func(rd Ready) {
			time.Sleep(time.Second) // a slow host sink
			rec.deliver(rd)
		}
		l := newLiveTeam(t, LiveConfig{Clock: clock.New(), Deliver: slow}, 2)
		for i := range 5 {
			id := pb.CallID(fmt.Sprintf("c%d", i))
			require.NoError(t, l.Do(func(e *Engine, now time.Time) error { return e.Arrive(now, id, "sup") }))
		}
		l.Sync()
		require.Len(t, rec.kinds(eventlog.CallPlaced), 5)
		require.Equal(t, 2, rec.rings)
		l.Close()
		l.Sync() // nothing left to wait for
	})
}
