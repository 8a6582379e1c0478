package media

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAnnouncement(t *testing.T) {
	cases := []struct {
		place int
		wait  time.Duration
		want  string
	}{
		{3, 4 * time.Minute, "caller-number 3 wait-about 4 minutes"},
		{1, 30 * time.Second, "caller-number 1 less-than-a-minute"},
		{20, 89 * time.Second, "caller-number 20 wait-about 1 minute"},
		{21, 90 * time.Second, "caller-number 20 1 wait-about 2 minutes"},
		{40, 10*time.Minute + 29*time.Second, "caller-number 40 wait-about 10 minutes"},
		{57, 34 * time.Minute, "caller-number 50 7 wait-about 30 4 minutes"},
		{99, UnknownWait, "caller-number 90 9"},
		{250, 3 * time.Hour, "caller-number more-than 90 9 wait-about more-than 90 9 minutes"},
		{0, 0, "less-than-a-minute"},
		{-1, -5 * time.Second, ""},
	}
	for _, c := range cases {
		if got := strings.Join(Announcement(c.place, c.wait), " "); got != c.want {
			t.Errorf("Announcement(%d, %v) = %q, want %q", c.place, c.wait, got, c.want)
		}
	}
}

// TestShippedPromptsCoverAnnouncements: every prompt an announcement or the voicemail and
// callback menus can use is in the shipped set, and each one is audible.
func TestShippedPromptsCoverAnnouncements(t *testing.T) {
	ps := DefaultPrompts()
	names := []string{PromptOptions, PromptLeaveMessage, PromptTone, PromptCallbackConfirm, PromptMessageSaved}
	for place := range 120 {
		for _, m := range []time.Duration{UnknownWait, 0, time.Minute, time.Duration(place) * time.Minute} {
			names = append(names, Announcement(place, m)...)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	clips, err := ps.Clips(names)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range clips {
		if c.Duration() < 200*time.Millisecond || c.Duration() > 6*time.Second || rms(c.PCM()) < 500 {
			t.Errorf("prompt %q: %v long, RMS %.0f", names[i], c.Duration(), rms(c.PCM()))
		}
	}
	if _, err := ps.Clips([]string{"1", "one hundred"}); !errors.Is(err, ErrNoPrompt) || !strings.Contains(err.Error(), "one hundred") {
		t.Fatalf("missing prompt: %v", err)
	}
}
