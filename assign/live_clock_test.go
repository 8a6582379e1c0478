package assign

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeRealClock stands for the wall and monotonic clocks behind a
// monoClock: the test moves each by hand, and counts the wall's readings.
type fakeRealClock struct {
	wall      time.Time     // what time.Now would read
	mono      time.Duration // the monotonic clock
	anchored  time.Duration // the monotonic clock at the last wall reading
	wallReads int
}

func (f *fakeRealClock) readWall() time.Time {
	f.wallReads++
	f.anchored = f.mono
	return f.wall
}

func (f *fakeRealClock) since(time.Time) time.Duration { return f.mono - f.anchored }

func (f *fakeRealClock) advance(d time.Duration) {
	f.wall = f.wall.Add(d)
	f.mono += d
}

func (f *fakeRealClock) source() monoClock {
	return monoClock{wall: f.readWall, since: f.since}
}

// The real clock is read through the monotonic clock alone for a second
// after each reading of the wall clock; a step of the wall clock is then
// followed at the next reading, and a monotonic clock reading before the
// anchor forces one at once.
func TestMonoClockReanchors(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f := &fakeRealClock{wall: start}
	c := f.source()

	require.Equal(t, start, c.now(), "the first reading is the wall's")
	require.Equal(t, 1, f.wallReads)

	f.advance(300 * time.Millisecond)
	f.wall = f.wall.Add(-time.Hour) // stepped back: not seen yet
	require.Equal(t, start.Add(300*time.Millisecond), c.now())
	f.advance(reanchorAfter - 300*time.Millisecond - 1)
	require.Equal(t, start.Add(reanchorAfter-1), c.now())
	require.Equal(t, 1, f.wallReads, "within a second of the anchor, the wall is not read")

	f.advance(1)
	require.Equal(t, start.Add(reanchorAfter-time.Hour), c.now(), "the step is followed once the anchor is a second old")
	require.Equal(t, 2, f.wallReads)

	f.advance(time.Millisecond)
	require.Equal(t, start.Add(reanchorAfter-time.Hour+time.Millisecond), c.now())
	f.mono -= time.Second // a monotonic clock behind its anchor: read the wall again
	require.Equal(t, f.wall, c.now())
	require.Equal(t, 3, f.wallReads)
}

// A Live on the real clock never hands a command a time before the
// engine's, even once the wall clock it re-anchors to has stepped back.
func TestLiveRealClockNeverGoesBack(t *testing.T) {
	l := newLiveTeam(t, LiveConfig{}, 1)
	defer l.Close()
	f := &fakeRealClock{wall: time.Now().Add(time.Minute)}
	l.mu.Lock()
	l.real = f.source()
	l.mu.Unlock()
	var first, second time.Time
	require.NoError(t, l.Do(func(e *Engine, now time.Time) error { first = now; return e.Advance(now) }))
	require.Equal(t, f.wall, first)
	f.wall = f.wall.Add(-10 * time.Second)
	f.advance(reanchorAfter)
	require.NoError(t, l.Do(func(e *Engine, now time.Time) error {
		second = now
		return e.Arrive(now, "c1", "sup")
	}))
	require.Equal(t, 2, f.wallReads)
	require.Equal(t, first, second, "the engine's time, not the stepped-back wall's")
}

// On the real clock (LiveConfig.Clock nil) inside a synctest bubble,
// commands get the bubble's time, across re-anchorings, and the ring
// deadline fires 30 s after the offer.
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
