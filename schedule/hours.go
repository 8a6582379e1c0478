// Package schedule answers whether a workspace or team is open at an
// instant: weekly operating hours in a time zone, plus a manual
// out-of-office override (rules DF3, DF4). Values are immutable once built
// and safe for concurrent use; Open reads only the time it is given.
package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrInvalidHours is returned for a malformed interval or override.
var ErrInvalidHours = errors.New("schedule: invalid operating hours")

// Override forces a schedule open or out of office, or lets the weekly
// hours decide. The zero value is FollowHours.
type Override uint8

const (
	// FollowHours lets the weekly hours decide.
	FollowHours Override = iota
	// ForceOpen is open whatever the hours say.
	ForceOpen
	// OutOfOffice is closed whatever the hours say.
	OutOfOffice
)

// String returns the override's name.
func (o Override) String() string {
	switch o {
	case FollowHours:
		return "follow hours"
	case ForceOpen:
		return "open"
	case OutOfOffice:
		return "out of office"
	}
	return "Override(" + strconv.Itoa(int(o)) + ")"
}

// Interval is an opening on one weekday, from Start to End as local clock
// times of day written as durations since midnight (9*time.Hour is 09:00;
// 0 <= Start < End <= 24h). On days when clocks change, the local clock
// decides, as a business means "9 to 5". An opening past midnight is two
// intervals.
type Interval struct {
	Day        time.Weekday
	Start, End time.Duration
}

// Hours are weekly operating hours. The zero value is open around the
// clock.
type Hours struct {
	// Weekly lists the openings. Empty means open around the clock.
	Weekly []Interval
	// Location is the time zone of the openings; nil means UTC.
	Location *time.Location
	// Override forces the schedule open or out of office.
	Override Override
}

// Validate reports a malformed interval or override.
func (h Hours) Validate() error {
	if h.Override > OutOfOffice {
		return fmt.Errorf("%w: %v", ErrInvalidHours, h.Override)
	}
	for _, iv := range h.Weekly {
		if iv.Day < time.Sunday || iv.Day > time.Saturday || iv.Start < 0 || iv.End > 24*time.Hour || iv.Start >= iv.End {
			return fmt.Errorf("%w: %v %v-%v", ErrInvalidHours, iv.Day, iv.Start, iv.End)
		}
	}
	return nil
}

// Open reports whether the schedule is open at t.
func (h Hours) Open(t time.Time) bool {
	switch h.Override {
	case ForceOpen:
		return true
	case OutOfOffice:
		return false
	}
	if len(h.Weekly) == 0 {
		return true
	}
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	hh, mm, ss := lt.Clock()
	since := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute +
		time.Duration(ss)*time.Second + time.Duration(lt.Nanosecond())
	day := lt.Weekday()
	for _, iv := range h.Weekly {
		if iv.Day == day && since >= iv.Start && since < iv.End {
			return true
		}
	}
	return false
}

// Weekdays returns openings from start to end after midnight on Monday to
// Friday, a common schedule.
func Weekdays(start, end time.Duration) []Interval {
	out := make([]Interval, 0, 5)
	for d := time.Monday; d <= time.Friday; d++ {
		out = append(out, Interval{Day: d, Start: start, End: end})
	}
	return out
}
