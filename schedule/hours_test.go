package schedule

import (
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the machine's zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

const h = time.Hour

func newYork(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	return loc
}

func utc(y int, mo time.Month, d, hh, mm, ss, ns int) time.Time {
	return time.Date(y, mo, d, hh, mm, ss, ns, time.UTC)
}

// anyInstant draws instants from 1900 to 2200 in a random zone.
func anyInstant(t *rapid.T) time.Time {
	sec := rapid.Int64Range(-2208988800, 7258118400).Draw(t, "sec")
	ns := rapid.Int64Range(0, 999_999_999).Draw(t, "ns")
	off := rapid.IntRange(-14*3600, 14*3600).Draw(t, "offset")
	return time.Unix(sec, ns).In(time.FixedZone("", off))
}

// Rule: DF3
func TestZeroValueAlwaysOpen(t *testing.T) {
	var zero Hours
	require.NoError(t, zero.Validate())
	assert.Equal(t, FollowHours, zero.Override)
	rapid.Check(t, func(t *rapid.T) {
		if !zero.Open(anyInstant(t)) {
			t.Fatal("zero Hours closed")
		}
	})
	assert.True(t, zero.Open(time.Time{}))
	// An empty, non-nil list is open around the clock too.
	assert.True(t, Hours{Weekly: []Interval{}, Location: time.Local}.Open(utc(2026, 1, 4, 3, 0, 0, 0)))
}

// Rule: DF3, DF4
func TestOverride(t *testing.T) {
	mondayNine := utc(2026, 1, 5, 9, 0, 0, 0) // a Monday
	sundayNoon := utc(2026, 1, 4, 12, 0, 0, 0)
	require.Equal(t, time.Monday, mondayNine.Weekday())
	require.Equal(t, time.Sunday, sundayNoon.Weekday())

	office := Hours{Weekly: Weekdays(9*h, 17*h)}
	require.True(t, office.Open(mondayNine))
	require.False(t, office.Open(sundayNoon))

	open := office
	open.Override = ForceOpen
	assert.True(t, open.Open(mondayNine))
	assert.True(t, open.Open(sundayNoon), "ForceOpen opens outside the hours")

	ooo := office
	ooo.Override = OutOfOffice
	assert.False(t, ooo.Open(mondayNine), "out of office closes inside the hours")
	assert.False(t, ooo.Open(sundayNoon))

	// Out of office also closes a schedule with no hours (open around the clock).
	assert.False(t, Hours{Override: OutOfOffice}.Open(mondayNine))
	assert.True(t, Hours{Override: ForceOpen}.Open(mondayNine))

	rapid.Check(t, func(t *rapid.T) {
		at := anyInstant(t)
		if !open.Open(at) || ooo.Open(at) {
			t.Fatalf("override ignored at %v", at)
		}
	})
}

func TestOverrideString(t *testing.T) {
	assert.Equal(t, "follow hours", FollowHours.String())
	assert.Equal(t, "open", ForceOpen.String())
	assert.Equal(t, "out of office", OutOfOffice.String())
	assert.Equal(t, "Override(7)", Override(7).String())
}

// Rule: DF3
func TestBoundariesUTC(t *testing.T) {
	hours := Hours{Weekly: []Interval{{Day: time.Monday, Start: 9 * h, End: 17 * h}}}
	cases := []struct {
		at   time.Time
		want bool
	}{
		{utc(2026, 1, 5, 8, 59, 59, 999_999_999), false},
		{utc(2026, 1, 5, 9, 0, 0, 0), true}, // open at Start
		{utc(2026, 1, 5, 12, 0, 0, 0), true},
		{utc(2026, 1, 5, 16, 59, 59, 999_999_999), true},
		{utc(2026, 1, 5, 17, 0, 0, 0), false}, // closed at End
		{utc(2026, 1, 6, 9, 0, 0, 0), false},  // Tuesday
		{utc(2026, 1, 12, 9, 0, 0, 0), true},  // next Monday
		{utc(2025, 12, 29, 10, 0, 0, 0), true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, hours.Open(c.at), "%v %v", c.at.Weekday(), c.at)
	}
}

func TestEndOfDayAndOvernight(t *testing.T) {
	// Friday 22:00 to Saturday 06:00, written as two intervals.
	hours := Hours{Weekly: []Interval{
		{Day: time.Friday, Start: 22 * h, End: 24 * h},
		{Day: time.Saturday, Start: 0, End: 6 * h},
	}}
	require.NoError(t, hours.Validate())
	fri := func(hh, mm, ss, ns int) time.Time { return utc(2026, 1, 9, hh, mm, ss, ns) }
	sat := func(hh, mm, ss, ns int) time.Time { return utc(2026, 1, 10, hh, mm, ss, ns) }
	assert.False(t, hours.Open(fri(21, 59, 59, 0)))
	assert.True(t, hours.Open(fri(22, 0, 0, 0)))
	assert.True(t, hours.Open(fri(23, 59, 59, 999_999_999)), "an End of 24h reaches midnight")
	assert.True(t, hours.Open(sat(0, 0, 0, 0)))
	assert.True(t, hours.Open(sat(5, 59, 59, 0)))
	assert.False(t, hours.Open(sat(6, 0, 0, 0)))
	// 24h only reaches midnight: Thursday night is not covered.
	assert.False(t, hours.Open(utc(2026, 1, 9, 0, 0, 0, 0)))
}

// The location decides the weekday and the clock, not the zone of t.
func TestLocationConvertsInstant(t *testing.T) {
	ny := newYork(t)
	hours := Hours{Weekly: Weekdays(9*h, 17*h), Location: ny}

	// Monday 2026-01-05, EST (UTC-5): 09:00 local is 14:00 UTC.
	assert.False(t, hours.Open(utc(2026, 1, 5, 13, 59, 59, 0)))
	assert.True(t, hours.Open(utc(2026, 1, 5, 14, 0, 0, 0)))
	assert.True(t, hours.Open(utc(2026, 1, 5, 21, 59, 59, 0)))
	assert.False(t, hours.Open(utc(2026, 1, 5, 22, 0, 0, 0)))
	// Saturday 2026-01-10 01:00 UTC is still Friday 20:00 in New York:
	// closed because of the clock. Saturday 03:00 UTC is Friday 22:00.
	assert.False(t, hours.Open(utc(2026, 1, 10, 1, 0, 0, 0)))
	// Tuesday 2026-01-06 02:00 UTC is Monday 21:00 in New York.
	assert.False(t, hours.Open(utc(2026, 1, 6, 2, 0, 0, 0)))
	// Friday 2026-01-09 at 16:00 New York; the same instant from Tokyo's zone.
	fri := time.Date(2026, 1, 9, 16, 0, 0, 0, ny)
	assert.True(t, hours.Open(fri))
	assert.True(t, hours.Open(fri.In(time.FixedZone("JST", 9*3600))), "Saturday in Tokyo, Friday in New York")

	rapid.Check(t, func(t *rapid.T) {
		at := anyInstant(t)
		other := at.In(time.FixedZone("", rapid.IntRange(-14*3600, 14*3600).Draw(t, "other")))
		if hours.Open(at) != hours.Open(other) {
			t.Fatalf("one instant, two answers: %v and %v", at, other)
		}
	})
}

// Rule: DF3
//
// Opening hours are local wall-clock times: on the day clocks spring
// forward they still open at 09:00 local, which is an hour earlier in UTC
// than the Friday before.
func TestDSTSpringForward(t *testing.T) {
	ny := newYork(t)
	day := time.Date(2026, 3, 8, 0, 0, 0, 0, ny)
	require.Equal(t, time.Sunday, day.Weekday())
	// Sanity: 2026-03-08 is the US spring-forward day.
	_, before := time.Date(2026, 3, 8, 1, 0, 0, 0, ny).Zone()
	_, after := time.Date(2026, 3, 8, 4, 0, 0, 0, ny).Zone()
	require.Equal(t, -5*3600, before)
	require.Equal(t, -4*3600, after)

	hours := Hours{Location: ny, Weekly: []Interval{
		{Day: time.Sunday, Start: 1 * h, End: 4 * h},
		{Day: time.Sunday, Start: 9 * h, End: 17 * h},
		{Day: time.Friday, Start: 9 * h, End: 17 * h},
		{Day: time.Monday, Start: 9 * h, End: 17 * h},
	}}
	require.NoError(t, hours.Validate())

	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"Fri 08:59:59 EST", utc(2026, 3, 6, 13, 59, 59, 0), false},
		{"Fri 09:00 EST", utc(2026, 3, 6, 14, 0, 0, 0), true},
		{"Sun 00:59:59 EST", utc(2026, 3, 8, 5, 59, 59, 0), false},
		{"Sun 01:00 EST", utc(2026, 3, 8, 6, 0, 0, 0), true},
		{"Sun 01:59:59 EST", utc(2026, 3, 8, 6, 59, 59, 0), true},
		{"Sun 03:00 EDT, the next second", utc(2026, 3, 8, 7, 0, 0, 0), true},
		{"Sun 03:59:59 EDT", utc(2026, 3, 8, 7, 59, 59, 0), true},
		{"Sun 04:00 EDT", utc(2026, 3, 8, 8, 0, 0, 0), false}, // only 2h of real time open
		{"Sun 08:59:59 EDT", utc(2026, 3, 8, 12, 59, 59, 0), false},
		{"Sun 09:00 EDT", utc(2026, 3, 8, 13, 0, 0, 0), true},
		{"Sun 16:59:59 EDT", utc(2026, 3, 8, 20, 59, 59, 0), true},
		{"Sun 17:00 EDT", utc(2026, 3, 8, 21, 0, 0, 0), false},
		{"Mon 08:59:59 EDT", utc(2026, 3, 9, 12, 59, 59, 0), false},
		{"Mon 09:00 EDT", utc(2026, 3, 9, 13, 0, 0, 0), true},
		{"Mon 17:00 EDT", utc(2026, 3, 9, 21, 0, 0, 0), false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, hours.Open(c.at), c.name)
	}

	// Minute by minute over the local day: 2h (01:00-02:00 and 03:00-04:00)
	// plus 8h.
	start := day
	end := time.Date(2026, 3, 9, 0, 0, 0, 0, ny)
	require.Equal(t, 23*h, end.Sub(start))
	assert.Equal(t, 10*60, openMinutes(hours, start, end))

	// A nonexistent local hour never opens.
	gap := Hours{Location: ny, Weekly: []Interval{{Day: time.Sunday, Start: 2 * h, End: 3 * h}}}
	assert.Equal(t, 0, openMinutes(gap, start, end))
}

// Rule: DF3
//
// On the day clocks fall back, a local hour that occurs twice is open both
// times.
func TestDSTFallBack(t *testing.T) {
	ny := newYork(t)
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, ny)
	require.Equal(t, time.Sunday, day.Weekday())
	end := time.Date(2026, 11, 2, 0, 0, 0, 0, ny)
	require.Equal(t, 25*h, end.Sub(day))

	hours := Hours{Location: ny, Weekly: []Interval{{Day: time.Sunday, Start: 1 * h, End: 2 * h}}}
	assert.True(t, hours.Open(utc(2026, 11, 1, 5, 30, 0, 0)), "01:30 EDT")
	assert.False(t, hours.Open(utc(2026, 11, 1, 4, 59, 59, 0)), "00:59:59 EDT")
	assert.True(t, hours.Open(utc(2026, 11, 1, 6, 30, 0, 0)), "01:30 EST, the second time")
	assert.False(t, hours.Open(utc(2026, 11, 1, 7, 0, 0, 0)), "02:00 EST")
	assert.Equal(t, 120, openMinutes(hours, day, end))
}

func openMinutes(hours Hours, from, to time.Time) int {
	n := 0
	for at := from; at.Before(to); at = at.Add(time.Minute) {
		if hours.Open(at) {
			n++
		}
	}
	return n
}

func TestValidate(t *testing.T) {
	good := []Hours{
		{},
		{Override: ForceOpen},
		{Override: OutOfOffice},
		{Weekly: []Interval{{Day: time.Sunday, Start: 0, End: 24 * h}}},
		{Weekly: []Interval{{Day: time.Saturday, Start: 0, End: time.Nanosecond}}},
		{Weekly: Weekdays(9*h, 17*h), Location: time.FixedZone("X", 3600)},
	}
	for _, hr := range good {
		assert.NoError(t, hr.Validate(), "%+v", hr)
	}
	bad := []struct {
		name string
		h    Hours
	}{
		{"unknown override", Hours{Override: OutOfOffice + 1}},
		{"negative start", Hours{Weekly: []Interval{{Day: time.Monday, Start: -time.Second, End: h}}}},
		{"end past midnight", Hours{Weekly: []Interval{{Day: time.Monday, Start: 22 * h, End: 24*h + time.Nanosecond}}}},
		{"empty interval", Hours{Weekly: []Interval{{Day: time.Monday, Start: 9 * h, End: 9 * h}}}},
		{"start after end", Hours{Weekly: []Interval{{Day: time.Monday, Start: 17 * h, End: 9 * h}}}},
		{"zero interval", Hours{Weekly: []Interval{{}}}},
		{"weekday 7", Hours{Weekly: []Interval{{Day: 7, Start: 0, End: h}}}},
		{"weekday -1", Hours{Weekly: []Interval{{Day: -1, Start: 0, End: h}}}},
		{"one bad among good", Hours{Weekly: append(Weekdays(9*h, 17*h), Interval{Day: time.Saturday, Start: 10 * h, End: 9 * h})}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			assert.ErrorIs(t, c.h.Validate(), ErrInvalidHours)
		})
	}
}

func TestWeekdays(t *testing.T) {
	got := Weekdays(9*h, 17*h+30*time.Minute)
	want := []Interval{
		{time.Monday, 9 * h, 17*h + 30*time.Minute},
		{time.Tuesday, 9 * h, 17*h + 30*time.Minute},
		{time.Wednesday, 9 * h, 17*h + 30*time.Minute},
		{time.Thursday, 9 * h, 17*h + 30*time.Minute},
		{time.Friday, 9 * h, 17*h + 30*time.Minute},
	}
	assert.Equal(t, want, got)

	hours := Hours{Weekly: got}
	require.NoError(t, hours.Validate())
	// 2026-01-04 is a Sunday; noon each day of that week.
	for d := range 7 {
		at := utc(2026, 1, 4+d, 12, 0, 0, 0)
		wd := at.Weekday()
		assert.Equal(t, wd != time.Saturday && wd != time.Sunday, hours.Open(at), fmt.Sprint(wd))
	}
	assert.ErrorIs(t, Hours{Weekly: Weekdays(17*h, 9*h)}.Validate(), ErrInvalidHours)
}
