package assign

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// steppedClock is a mock clock whose reading the test sets by hand,
// backwards too, as a wall clock stepped back would read.
type steppedClock struct {
	*clock.Mock
	mu  sync.Mutex
	now time.Time
}

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *steppedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// A Live never hands a command a time before the engine's, even once its
// clock has stepped back.
func TestLiveClockSteppedBackNeverGoesBack(t *testing.T) {
	clk := &steppedClock{Mock: clock.NewMock(), now: t0}
	l := newLiveTeam(t, LiveConfig{Clock: clk}, 1)
	defer l.Close()
	var first, second time.Time
	require.NoError(t, l.Do(func(e *Engine, now time.Time) error { first = now; return e.Advance(now) }))
	require.Equal(t, t0, first)
	clk.set(t0.Add(-10 * time.Second))
	require.NoError(t, l.Do(func(e *Engine, now time.Time) error {
		second = now
		return e.Arrive(now, "c1", "sup")
	}))
	require.Equal(t, first, second, "the engine's time, not the stepped-back clock's")
}

// On the real clock (LiveConfig.Clock nil) inside a synctest bubble,
// commands get the bubble's time, and the ring deadline fires 30 s after
// the offer.
// Rule: AS5
func TestLiveRealClockInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		l := newLiveTeam(t, LiveConfig{Deliver: rec.deliver}, 1)
		for _, pause := range []time.Duration{0, 400 * time.Millisecond, 700 * time.Millisecond, 3 * time.Second} {
			time.Sleep(pause)
			want := time.Now()
			var got time.Time
			require.NoError(t, l.Do(func(e *Engine, now time.Time) error { got = now; return nil }))
			require.True(t, got.Equal(want), "after %v: %v, want %v", pause, got, want)
		}
		requireOwnRingTimeout(t, l, rec)
		l.Close()
	})
}
