package media

import (
	"context"
	"time"
)

// Player sends Clips into a Leg in real time, one 20 ms frame on each tick of a fixed 20 ms
// grid. The grid carries over from one Play to the next while it is still ahead, so clips
// played back to back (prompts, then hold music) sound continuous; after an idle gap it
// restarts at the time of the call. If the Player falls behind (the process was not scheduled
// in time) it sends the late frames at once to get back on the grid, so a clip never plays
// slower than real time and no frame is skipped.
//
// Time comes from the time package (time.Now and timers), which testing/synctest fakes.
// Not safe for concurrent use: one goroutine plays into a leg at a time.
type Player struct {
	leg   Leg
	next  time.Time
	timer *time.Timer
}

// NewPlayer returns a Player that sends into leg.
func NewPlayer(leg Leg) *Player { return &Player{leg: leg} }

// Play sends every frame of the clips in order and returns once the last frame is sent, that
// is (frames−1)×20 ms after the first. It returns ctx.Err() as soon as ctx is done, and a
// WriteFrame error (such as ErrClosed) as soon as one happens.
func (p *Player) Play(ctx context.Context, clips ...*Clip) error {
	p.start()
	for _, c := range clips {
		if err := p.frames(ctx, c, 0, c.Frames()); err != nil {
			return err
		}
	}
	return nil
}

// start puts the grid at now unless it is still ahead.
func (p *Player) start() {
	if now := time.Now(); p.next.Before(now) {
		p.next = now
	}
}

// frames sends n frames of c starting at frame from, wrapping around at the clip's end.
func (p *Player) frames(ctx context.Context, c *Clip, from, n int) error {
	codec := p.leg.Codec()
	total := c.Frames()
	if total == 0 {
		return nil
	}
	for k := range n {
		if err := p.wait(ctx); err != nil {
			return err
		}
		if err := p.leg.WriteFrame(c.frame(codec, (from+k)%total)); err != nil {
			return err
		}
		p.next = p.next.Add(FrameDuration)
	}
	return nil
}

// wait blocks until the grid's next tick or ctx is done.
func (p *Player) wait(ctx context.Context) error {
	d := time.Until(p.next)
	if d <= 0 {
		return ctx.Err()
	}
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		p.timer.Stop()
		return ctx.Err()
	case <-p.timer.C:
		return nil
	}
}
