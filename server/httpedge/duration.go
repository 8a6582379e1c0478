package httpedge

import (
	"github.com/phonebalance/phonebalance/client"
	"math"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
)

// The server's one duration encoding on the wire: an integer number of
// milliseconds in a field whose name ends in "_ms" ("max_wait_ms": 600000).
// Milliseconds are exact for every duration the server deals in, read
// without a parser in any language, and the suffix says the unit where it
// is used.

// Millis returns d in whole milliseconds (truncated toward zero), for a
// *_ms field.
func Millis(d time.Duration) int64 { return d.Milliseconds() }

// FromMillis returns the duration of ms milliseconds, saturating at the
// largest and smallest time.Duration (so a huge value is refused by the
// caller's range check, never wraps around).
func FromMillis(ms int64) time.Duration {
	const limit = math.MaxInt64 / int64(time.Millisecond)
	switch {
	case ms > limit:
		return math.MaxInt64
	case ms < -limit:
		return math.MinInt64
	}
	return time.Duration(ms) * time.Millisecond
}

// Event is a call's event as the server sends it (the timelines of the API
// and of the dashboard): the library's eventlog.Event with its one
// duration, hold_limit, sent as hold_limit_ms. The type is the client
// package's wire type (client.Event).
type Event = client.Event

// Events returns evs as the server sends them; never nil.
func Events(evs []eventlog.Event) []Event {
	out := make([]Event, len(evs))
	for i, ev := range evs {
		out[i] = Event{Event: ev, HoldLimitMS: Millis(ev.HoldLimit)}
	}
	return out
}
