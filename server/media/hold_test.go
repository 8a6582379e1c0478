package media

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestHoldAnnouncesOnPeriod: an announcement, Period of music, the announcement again with the
// caller's new place, then the music from where it stopped, wrapping at its end.
func TestHoldAnnouncesOnPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leg := newFakeLeg(PCMU)
		music := tone(7, 3000)
		places := []*Clip{tone(2, -20000), tone(3, -10000)}
		calls := 0
		h := Hold{Music: music, Period: 100 * time.Millisecond, Announce: func() []*Clip {
			calls++
			if calls > len(places) {
				return nil
			}
			return []*Clip{places[calls-1]}
		}}
		// Frames: 2 (announce) + 5 (music 0-4) + 3 (announce) + 5 (music 5,6,0,1,2) + 5 (music 3-6,0).
		const total = 20
		ctx, cancel := context.WithTimeout(context.Background(), total*FrameDuration-FrameDuration/2)
		defer cancel()
		if err := h.Run(ctx, NewPlayer(leg)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run: %v", err)
		}
		sent, _ := leg.frames()
		if len(sent) != total {
			t.Fatalf("sent %d frames, want %d", len(sent), total)
		}
		type src struct {
			c *Clip
			i int
		}
		want := []src{{places[0], 0}, {places[0], 1}}
		for i := range 5 {
			want = append(want, src{music, i})
		}
		want = append(want, src{places[1], 0}, src{places[1], 1}, src{places[1], 2})
		for _, i := range []int{5, 6, 0, 1, 2, 3, 4, 5, 6, 0} {
			want = append(want, src{music, i})
		}
		for k, w := range want {
			if !bytes.Equal(sent[k], w.c.frame(PCMU, w.i)) {
				t.Fatalf("frame %d is not frame %d of the expected clip", k, w.i)
			}
		}
		if calls != 4 { // the fourth, empty, starts the music that the deadline cuts
			t.Fatalf("Announce called %d times, want 4", calls)
		}
	})
}

// TestHoldDefaults: empty music and no period play the shipped music with an announcement
// every 30 s; the leg closing ends Run.
func TestHoldDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leg := newFakeLeg(PCMU)
		done := make(chan error, 1)
		go func() { done <- Hold{Music: NewClip(nil)}.Run(context.Background(), NewPlayer(leg)) }()
		time.Sleep(DefaultAnnouncePeriod + time.Second + FrameDuration/2) // fake clock, between two frames
		_ = leg.Close()
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Fatalf("Run after the leg closed: %v", err)
		}
		sent, _ := leg.frames()
		music := DefaultHoldMusic()
		if len(sent) != 1551 { // frames at 0, 20 ms, …, 31 s
			t.Fatalf("sent %d frames in 31 s, want 1551", len(sent))
		}
		for k, f := range sent {
			if !bytes.Equal(f, music.frame(PCMU, k%music.Frames())) {
				t.Fatalf("frame %d is not the default music", k)
			}
		}
	})
}
