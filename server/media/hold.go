package media

import (
	"context"
	"time"
)

// DefaultAnnouncePeriod is how much hold music Hold plays between announcements when
// Hold.Period is not set.
const DefaultAnnouncePeriod = 30 * time.Second

// Hold is what a waiting caller hears: an announcement (their place in line and expected
// wait), then Period of music, then the announcement again, and so on. The music resumes
// where it stopped and loops at its end. Hold values are plain configuration, safe to copy.
type Hold struct {
	// Music is the looped hold music; nil or empty means DefaultHoldMusic().
	Music *Clip
	// Period is the length of music between announcements, counted in frames sent (not wall
	// time); 0 or less means DefaultAnnouncePeriod.
	Period time.Duration
	// Announce returns the prompts to play now, typically
	// prompts.Clips(Announcement(place, wait)) with the caller's current place and wait. It is
	// called on Run's goroutine before the first stretch of music and after each one. Nil, or
	// an empty result, plays music only.
	Announce func() []*Clip
}

// Run plays into p until ctx is done (it returns ctx.Err()) or the leg fails (it returns the
// WriteFrame error, such as ErrClosed once the caller hangs up). Pacing is the Player's.
func (h Hold) Run(ctx context.Context, p *Player) error {
	music := h.Music
	if music == nil || music.Frames() == 0 {
		music = DefaultHoldMusic()
	}
	period := h.Period
	if period <= 0 {
		period = DefaultAnnouncePeriod
	}
	stretch := max(1, int(period/FrameDuration))
	p.start()
	pos := 0
	for {
		if h.Announce != nil {
			for _, c := range h.Announce() {
				if err := p.frames(ctx, c, 0, c.Frames()); err != nil {
					return err
				}
			}
		}
		if err := p.frames(ctx, music, pos, stretch); err != nil {
			return err
		}
		pos = (pos + stretch) % music.Frames()
	}
}
