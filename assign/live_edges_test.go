package assign

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// A Deliver that ends the Live hands Close to another goroutine, as
// LiveConfig.Deliver says: that Close waits for the Deliver to return and
// the delivery goroutine to stop; a later Close from outside returns at
// once. Under synctest a deadlock would fail the test at once.
func TestLiveCloseFromDeliver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l *Live
		closed := make(chan struct{})
		deliver := func(r Ready) {
			if len(r.Effects) > 0 { // the Arrive's ring, issued after l is set
				go func() {
					l.Close()
					close(closed)
				}()
			}
		}
		l = newLiveTeam(t, LiveConfig{Clock: clock.New(), Deliver: deliver}, 1)
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error { return e.Arrive(now, "c1", "sup") }))
		<-closed
		require.ErrorIs(t, l.Do(func(e *Engine, now time.Time) error { return nil }), ErrClosed)
		l.Close() // waits for the delivery goroutine: it has stopped
		synctest.Wait()
	})
}

// A command that panics inside Do still has its output queued and the
// timer re-armed: the ring it started times out 30 s later as a miss,
// rather than ringing for ever.
// Rule: AS5, X1
func TestLivePanicInDoStillArmsTheTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		l := newLiveTeam(t, LiveConfig{Clock: clock.New(), Deliver: rec.deliver}, 1)
		func() {
			defer func() { require.Equal(t, "host bug", recover()) }()
			_ = l.Do(func(e *Engine, now time.Time) error {
				if err := e.Arrive(now, "c1", "sup"); err != nil {
					return err
				}
				panic("host bug")
			})
		}()
		time.Sleep(31 * time.Second)
		synctest.Wait()
		require.Len(t, rec.kinds(eventlog.CallOffered), 1)
		require.Len(t, rec.kinds(eventlog.CallMissed), 1, "the ring deadline never fired")
		l.Close()
	})
}

// SyncContext gives up when its context ends while Deliver is blocked,
// and returns nil once everything before it is delivered. Pending counts
// what waits, and Deliver may read it.
func TestLiveSyncContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		inDeliver := make(chan int, 100)
		var l *Live
		deliver := func(r Ready) {
			if len(r.Effects) > 0 { // the Arrive's ring, issued after l is set
				inDeliver <- l.Pending()
				<-release
			}
		}
		l = newLiveTeam(t, LiveConfig{Clock: clock.New(), Deliver: deliver}, 1)
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error { return e.Arrive(now, "c1", "sup") }))
		require.Zero(t, <-inDeliver, "the Ready being delivered is not pending")
		require.NoError(t, l.Do(func(e *Engine, now time.Time) error { return e.ReportAssignment(now, "tm00") }))
		require.Equal(t, 1, l.Pending(), "the next Ready waits behind the blocked delivery")

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := l.SyncContext(ctx)
		require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)

		close(release)
		require.NoError(t, l.SyncContext(context.Background()))
		require.Equal(t, 0, l.Pending())
		l.Sync()
		l.Close()
	})
}
