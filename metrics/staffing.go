package metrics

import (
	"cmp"
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// DefaultStaffingWindow is the staffing window when Config.StaffingWindow
// is zero.
const DefaultStaffingWindow = 30 * time.Minute

// minStaffingSpan is the shortest time an arrival rate is taken over, so
// that the first call of a fresh stream does not read as thousands an
// hour.
const minStaffingSpan = time.Minute

// TeamLoad is one team's load over a sliding window ending at an instant,
// what staffing advice is computed from (see [Collector.Staffing]).
type TeamLoad struct {
	Team pb.TeamID
	// Arrivals counts the inbound calls queued for the team in the
	// window (each queue segment: a transfer arrives again).
	Arrivals int
	// Span is the time Arrivals are counted over: the window, or, while
	// the stream is younger than the window, its age (at least a minute).
	Span time.Duration
	// Handled counts the answered inbound calls of the team that ended
	// (or were transferred away) in the window; HandleTime is the sum of
	// their handle times: from answer to end, hold included, plus the
	// teammate's wrap-up after it (planned while under way, as it was
	// once ended).
	Handled    int
	HandleTime time.Duration
	// HandledEver and HandleTimeEver are the same since the first event,
	// for a team with no call finished in the window.
	HandledEver    int
	HandleTimeEver time.Duration
}

// ArrivalsPerHour returns Arrivals over Span, per hour (0 for an empty
// span).
func (l TeamLoad) ArrivalsPerHour() float64 {
	if l.Span <= 0 {
		return 0
	}
	return float64(l.Arrivals) / l.Span.Hours()
}

// MeanHandle returns the mean handle time of the calls handled in the
// window, else of every call handled so far, and whether there was any.
func (l TeamLoad) MeanHandle() (time.Duration, bool) {
	switch {
	case l.Handled > 0:
		return l.HandleTime / time.Duration(l.Handled), true
	case l.HandledEver > 0:
		return l.HandleTimeEver / time.Duration(l.HandledEver), true
	}
	return 0, false
}

// StaffingWindow folds events into each team's arrivals and handle times
// over a sliding window (see [TeamLoad]). The [Collector] keeps one, fed
// with every event it accepts; a host without a Collector may keep its
// own. It reads no clock: time comes from the events and from Loads' now.
// It keeps the window's arrivals and handles only, and per call and per
// teammate only what is in progress. Not safe for concurrent use.
type StaffingWindow struct {
	window time.Duration

	started  bool
	lastSeq  uint64
	lastAt   time.Time
	origin   time.Time // the first event's time
	ignored  int
	pruneAt  time.Time // when the oldest arrival or handle leaves the window; zero: none kept
	teams    map[pb.TeamID]*loadTeam
	answered map[pb.CallID]answer      // calls on with a teammate now
	pending  map[pb.TeammateID]*handle // each teammate's last finished call, for its wrap-up
}

// loadTeam is one team's window.
type loadTeam struct {
	arrivals []time.Time // in time order
	handles  []*handle   // in order of their call's end
	// Every handle time ever finished, for a team with none in the window.
	total time.Duration
	count int
}

// answer is an answered call: who, for which team, since when.
type answer struct {
	team     pb.TeamID
	teammate pb.TeammateID
	at       time.Time
}

// handle is one finished call's handle time: talk (hold included), plus
// wrap-up once known.
type handle struct {
	team     *loadTeam
	end      time.Time // the call's end, which places it in the window
	talk     time.Duration
	wrap     time.Duration
	wrapping bool // wrap-up started and not yet ended
}

func (h *handle) duration() time.Duration { return h.talk + h.wrap }

// NewStaffingWindow returns an empty fold over window (zero or less:
// DefaultStaffingWindow).
func NewStaffingWindow(window time.Duration) *StaffingWindow {
	if window <= 0 {
		window = DefaultStaffingWindow
	}
	return &StaffingWindow{window: window, teams: make(map[pb.TeamID]*loadTeam),
		answered: make(map[pb.CallID]answer), pending: make(map[pb.TeammateID]*handle)}
}

// Window returns the window's length.
func (w *StaffingWindow) Window() time.Duration { return w.window }

// Ignored returns how many events Observe ignored: of an unknown kind, or
// out of order (a Seq not after the last one's, or a time before it), as
// when a stream is replayed into a fold that has already seen it.
func (w *StaffingWindow) Ignored() int { return w.ignored }

// Observe folds one event. Events must come in the engine's order, each
// once: an event out of order is ignored and counted (see Ignored). It
// drops what leaves the window as time passes.
func (w *StaffingWindow) Observe(ev eventlog.Event) { w.observe(&ev) }

func (w *StaffingWindow) observe(ev *eventlog.Event) {
	if !ev.Kind.Valid() || (w.started && (ev.Seq <= w.lastSeq || ev.At.Before(w.lastAt))) {
		w.ignored++
		return
	}
	if !w.started {
		w.started, w.origin = true, ev.At
	}
	w.lastSeq, w.lastAt = ev.Seq, ev.At

	switch ev.Kind {
	case eventlog.CallQueued:
		if ev.Direction != pb.Outbound && ev.Team != "" {
			tm := w.team(ev.Team)
			tm.arrivals = append(tm.arrivals, ev.At)
			w.keep(ev.At)
		}
	case eventlog.CallAnswered:
		if ev.Direction != pb.Outbound && ev.Team != "" {
			w.team(ev.Team)
			w.answered[ev.Call] = answer{team: ev.Team, teammate: ev.Teammate, at: ev.At}
			delete(w.pending, ev.Teammate)
		}
	case eventlog.CallPlaced:
		if ev.Teammate != "" { // an outbound call: any wrap-up after it is its own
			delete(w.pending, ev.Teammate)
		}
	case eventlog.CallTransferred, eventlog.CallEnded:
		w.finish(ev)
	case eventlog.WrapUpStarted:
		if h, ok := w.pending[ev.Teammate]; ok && !h.wrapping && ev.At.Equal(h.end) && ev.Deadline.After(ev.At) {
			h.wrapping = true
			w.setWrap(h, ev.Deadline.Sub(ev.At))
		} else {
			delete(w.pending, ev.Teammate)
		}
	case eventlog.WrapUpEnded:
		if h, ok := w.pending[ev.Teammate]; ok && h.wrapping {
			w.setWrap(h, ev.At.Sub(h.end))
		}
		delete(w.pending, ev.Teammate)
	case eventlog.MemberAdded:
		if ev.Team != "" {
			w.team(ev.Team)
		}
	case eventlog.TeammateRemoved:
		delete(w.pending, ev.Teammate)
	}
	w.prune(ev.At)
}

// finish records the handle time of the answered call ev ends for its
// teammate.
func (w *StaffingWindow) finish(ev *eventlog.Event) {
	a, ok := w.answered[ev.Call]
	if !ok {
		return
	}
	delete(w.answered, ev.Call)
	tm := w.team(a.team)
	h := &handle{team: tm, end: ev.At, talk: ev.At.Sub(a.at)}
	tm.handles = append(tm.handles, h)
	w.keep(ev.At)
	tm.total += h.talk
	tm.count++
	w.pending[a.teammate] = h
}

// setWrap changes h's wrap-up to d, keeping its team's total in step.
func (w *StaffingWindow) setWrap(h *handle, d time.Duration) {
	h.team.total += d - h.wrap
	h.wrap = d
}

// team returns the team's window, creating it.
func (w *StaffingWindow) team(id pb.TeamID) *loadTeam {
	tm, ok := w.teams[id]
	if !ok {
		tm = &loadTeam{}
		w.teams[id] = tm
	}
	return tm
}

// keep notes an arrival or a handle kept at t, the newest so far.
func (w *StaffingWindow) keep(t time.Time) {
	if w.pruneAt.IsZero() {
		w.pruneAt = t.Add(w.window)
	}
}

// prune drops what has left the window ending at now, if anything has: it
// costs O(1) until then, O(teams) when it does.
func (w *StaffingWindow) prune(now time.Time) {
	if w.pruneAt.IsZero() || now.Before(w.pruneAt) {
		return
	}
	from := now.Add(-w.window)
	w.pruneAt = time.Time{}
	for _, tm := range w.teams {
		i := 0
		for i < len(tm.arrivals) && !tm.arrivals[i].After(from) {
			i++
		}
		tm.arrivals = tm.arrivals[i:]
		j := 0
		for j < len(tm.handles) && !tm.handles[j].end.After(from) {
			j++
		}
		tm.handles = tm.handles[j:]
		if len(tm.arrivals) > 0 {
			w.keepOldest(tm.arrivals[0])
		}
		if len(tm.handles) > 0 {
			w.keepOldest(tm.handles[0].end)
		}
	}
}

// keepOldest lowers pruneAt to when t leaves the window.
func (w *StaffingWindow) keepOldest(t time.Time) {
	if at := t.Add(w.window); w.pruneAt.IsZero() || at.Before(w.pruneAt) {
		w.pruneAt = at
	}
}

// Loads returns the load of every team seen (in a queued or answered call
// or a membership event) over the window ending at now, sorted by team.
// now should be at or after the last event observed; events after it are
// not counted. It does not change the fold.
func (w *StaffingWindow) Loads(now time.Time) []TeamLoad {
	from := now.Add(-w.window)
	span := w.window
	if w.started && now.Sub(w.origin) < span {
		span = max(now.Sub(w.origin), min(minStaffingSpan, w.window))
	}
	out := make([]TeamLoad, 0, len(w.teams))
	for id, tm := range w.teams {
		l := TeamLoad{Team: id, Span: span, HandledEver: tm.count, HandleTimeEver: tm.total}
		for _, at := range tm.arrivals {
			if at.After(from) && !at.After(now) {
				l.Arrivals++
			}
		}
		for _, h := range tm.handles {
			if h.end.After(from) && !h.end.After(now) {
				l.HandleTime += h.duration()
				l.Handled++
			}
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b TeamLoad) int { return cmp.Compare(a.Team, b.Team) })
	return out
}

// Staffing returns every team's load over the staffing window
// (Config.StaffingWindow) ending at now, for staffing advice; see
// [StaffingWindow.Loads]. It does not change the collector.
func (c *Collector) Staffing(now time.Time) []TeamLoad { return c.staff.Loads(now) }
