package assign

import (
	"fmt"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// In steady state a Live command allocates nothing: the Ready handed to
// Deliver is a recycled buffer, the delivery goroutine is woken only when
// its queue was empty, and the timer is re-armed only for an earlier
// deadline. Each run is a whole call (Arrive, Answer, EndCall), so the
// allocations of both goroutines count. Counts, not timings.
func TestLiveCommandsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	cfg := DefaultConfig()
	cfg.WrapUp, cfg.EndedCallRetention = 0, 0
	e, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, e.AddTeam("sup", "Support", TeamConfig{}))
	var delivered, events int
	l := NewLive(e, LiveConfig{Clock: clock.New(), Deliver: func(r Ready) {
		delivered++
		events += len(r.Events)
	}})
	defer l.Close()
	const mates = 8
	for i := range mates {
		id := pb.TeammateID(fmt.Sprintf("tm%02d", i))
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error {
			if err := e.AddTeammate(now, id, string(id), available()); err != nil {
				return err
			}
			return e.AddMember(now, "sup", id)
		}))
	}
	calls := make([]pb.CallID, 64)
	for i := range calls {
		calls[i] = pb.CallID(fmt.Sprintf("c%02d", i))
	}
	n := 0
	var failed error
	call := func() {
		c := calls[n%len(calls)]
		n++
		var tm pb.TeammateID
		err := l.Do(func(e *Engine, now time.Time) error {
			tm, _ = e.NextInLine("sup")
			return e.Arrive(now, c, "sup")
		})
		if err == nil {
			err = l.Do(func(e *Engine, now time.Time) error { return e.Answer(now, c, tm) })
		}
		if err == nil {
			err = l.Do(func(e *Engine, now time.Time) error { return e.EndCall(now, c, eventlog.ByTeammate) })
		}
		if err != nil && failed == nil {
			failed = err
		}
	}
	for range 200 { // warm up: buffers, queue and spare list reach their size
		call()
	}
	l.Sync()
	before := delivered
	allocs := testing.AllocsPerRun(500, call) // 501 calls: one is a warm-up
	require.NoError(t, failed)
	l.Sync()
	require.Zero(t, allocs, "allocations per full call through Live")
	require.Equal(t, 3*501, delivered-before, "one Ready per command")
	require.Positive(t, events)
}
