package media

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// tone is a clip of frames frames whose frame i is a constant level distinct per i.
func tone(frames int, base int16) *Clip {
	pcm := make([]int16, frames*FrameSamples)
	for i := range pcm {
		pcm[i] = base + int16(i/FrameSamples)*64
	}
	return NewClip(pcm)
}

// TestPlayerPacesFrames: N frames of audio take N×20 ms: frame k is sent at exactly k×20 ms on
// the fake clock, clips played back to back stay on one grid, and content is in order.
func TestPlayerPacesFrames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leg := newFakeLeg(PCMA)
		p := NewPlayer(leg)
		a, b := tone(30, 1000), tone(20, -5000)
		start := time.Now()
		if err := p.Play(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if err := p.Play(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		sent, at := leg.frames()
		if len(sent) != 50 {
			t.Fatalf("sent %d frames, want 50", len(sent))
		}
		for k := range sent {
			if want := start.Add(time.Duration(k) * FrameDuration); !at[k].Equal(want) {
				t.Fatalf("frame %d sent at +%v, want +%v", k, at[k].Sub(start), want.Sub(start))
			}
			clip, i := a, k
			if k >= 30 {
				clip, i = b, k-30
			}
			if !bytes.Equal(sent[k], clip.frame(PCMA, i)) {
				t.Fatalf("frame %d has the wrong audio", k)
			}
		}
		if elapsed := time.Since(start); elapsed != 49*FrameDuration {
			t.Fatalf("Play returned after %v, want 980ms (the 50th frame's send time)", elapsed)
		}
	})
}

// TestPlayerStops: a cancelled context stops Play between frames; a closed leg stops it at once.
func TestPlayerStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leg := newFakeLeg(PCMU)
		ctx, cancel := context.WithTimeout(context.Background(), 10*FrameDuration+FrameDuration/2)
		defer cancel()
		if err := NewPlayer(leg).Play(ctx, tone(100, 0)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Play: %v", err)
		}
		if sent, _ := leg.frames(); len(sent) != 11 {
			t.Fatalf("sent %d frames in 210 ms, want 11 (at 0, 20, …, 200 ms)", len(sent))
		}
		_ = leg.Close()
		if err := NewPlayer(leg).Play(context.Background(), tone(5, 0)); !errors.Is(err, ErrClosed) {
			t.Fatalf("Play into a closed leg: %v", err)
		}
	})
}

// TestPlayerCatchesUp: after falling behind, a Player sends the late frames at once instead of
// skipping them or drifting.
func TestPlayerCatchesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leg := &slowLeg{fakeLeg: newFakeLeg(PCMU), stallAt: 2, stall: 70 * time.Millisecond}
		start := time.Now()
		if err := NewPlayer(leg).Play(context.Background(), tone(8, 0)); err != nil {
			t.Fatal(err)
		}
		_, at := leg.frames()
		var got []time.Duration
		for _, ts := range at {
			got = append(got, ts.Sub(start))
		}
		// Frame 2's send stalls 70 ms (until 110 ms): frames 3-5 (due 60, 80, 100 ms) go at
		// once, then the grid resumes at 120 ms.
		ms := time.Millisecond
		want := []time.Duration{0, 20 * ms, 110 * ms, 110 * ms, 110 * ms, 110 * ms, 120 * ms, 140 * ms}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("send times %v, want %v", got, want)
			}
		}
	})
}

// slowLeg stalls (on the fake clock) after one of its writes, as a descheduled process would.
type slowLeg struct {
	*fakeLeg
	stallAt int
	stall   time.Duration
	n       int
}

func (l *slowLeg) WriteFrame(audio []byte) error {
	if l.n == l.stallAt {
		time.Sleep(l.stall) // fake clock: synctest advances it at once
	}
	l.n++
	return l.fakeLeg.WriteFrame(audio)
}
