package advice

import (
	"fmt"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// minSpan is the shortest time an arrival rate is taken over, so that
// the first call of a fresh stream does not read as thousands an hour.
const minSpan = time.Minute

// Tracker folds events (eventlog.Event, the same stream metrics.Collector
// observes) into per-team arrival rates and mean handle times over a
// sliding window, and turns them into staffing advice. It reads no clock:
// time comes from the events and from Advice's now. Safe for concurrent
// use.
type Tracker struct {
	mu      sync.Mutex
	window  time.Duration
	def     Target
	targets map[pb.TeamID]Target

	started  bool
	lastSeq  uint64
	lastAt   time.Time
	origin   time.Time // the first event's time
	ignored  int
	teams    map[pb.TeamID]*team
	answered map[pb.CallID]answer      // calls on with a teammate now
	pending  map[pb.TeammateID]*handle // each teammate's last finished call, for its wrap-up
}

// team is one team's window.
type team struct {
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
	team     *team
	end      time.Time // the call's end, which places it in the window
	talk     time.Duration
	wrap     time.Duration
	wrapping bool // wrap-up started and not yet ended
}

func (h *handle) duration() time.Duration { return h.talk + h.wrap }

// New returns a Tracker, or an error wrapping ErrBadConfig or ErrBadTarget
// if cfg has a negative window or a bad target.
func New(cfg Config) (*Tracker, error) {
	if cfg.Window < 0 {
		return nil, fmt.Errorf("%w: window %v is negative", ErrBadConfig, cfg.Window)
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	def := cfg.Default.fill(Target{Within: DefaultWithin, Fraction: DefaultFraction})
	if err := def.check(); err != nil {
		return nil, fmt.Errorf("default: %w", err)
	}
	t := &Tracker{
		window:   cfg.Window,
		def:      def,
		targets:  make(map[pb.TeamID]Target, len(cfg.PerTeam)),
		teams:    make(map[pb.TeamID]*team),
		answered: make(map[pb.CallID]answer),
		pending:  make(map[pb.TeammateID]*handle),
	}
	for id, tg := range cfg.PerTeam {
		if id == "" {
			return nil, fmt.Errorf("%w: empty team ID", ErrBadTarget)
		}
		tg = tg.fill(def)
		if err := tg.check(); err != nil {
			return nil, fmt.Errorf("team %q: %w", id, err)
		}
		t.targets[id] = tg
	}
	return t, nil
}

// SetTarget sets team's target; its zero fields take the tracker's
// default, so a zero Target restores the default. It returns an error
// wrapping ErrBadTarget, and changes nothing, for an empty team ID, a
// negative Within or a Fraction not strictly between 0 and 1. Safe for
// concurrent use.
func (t *Tracker) SetTarget(id pb.TeamID, target Target) error {
	if id == "" {
		return fmt.Errorf("%w: empty team ID", ErrBadTarget)
	}
	target = target.fill(t.def)
	if err := target.check(); err != nil {
		return fmt.Errorf("team %q: %w", id, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.targets[id] = target
	return nil
}

// Ignored returns how many events Observe ignored: of an unknown kind, or
// out of order (a Seq not after the last one's, or a time before it), as
// when a stream is replayed into a tracker that has already seen it.
func (t *Tracker) Ignored() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ignored
}

// Observe folds one event. Events must come in the engine's order, each
// once: an event out of order is ignored and counted (see Ignored). It
// keeps the window's events only, dropping older ones as time passes.
// Safe for concurrent use.
func (t *Tracker) Observe(ev eventlog.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !ev.Kind.Valid() || (t.started && (ev.Seq <= t.lastSeq || ev.At.Before(t.lastAt))) {
		t.ignored++
		return
	}
	if !t.started {
		t.started, t.origin = true, ev.At
	}
	t.lastSeq, t.lastAt = ev.Seq, ev.At

	switch ev.Kind {
	case eventlog.CallQueued:
		if ev.Direction != pb.Outbound && ev.Team != "" {
			tm := t.team(ev.Team)
			tm.arrivals = append(tm.arrivals, ev.At)
		}
	case eventlog.CallAnswered:
		if ev.Direction != pb.Outbound && ev.Team != "" {
			t.team(ev.Team)
			t.answered[ev.Call] = answer{team: ev.Team, teammate: ev.Teammate, at: ev.At}
			delete(t.pending, ev.Teammate)
		}
	case eventlog.CallPlaced:
		if ev.Teammate != "" { // an outbound call: any wrap-up after it is its own
			delete(t.pending, ev.Teammate)
		}
	case eventlog.CallTransferred, eventlog.CallEnded:
		t.finish(ev)
	case eventlog.WrapUpStarted:
		if h, ok := t.pending[ev.Teammate]; ok && !h.wrapping && ev.At.Equal(h.end) && ev.Deadline.After(ev.At) {
			h.wrapping = true
			t.setWrap(h, ev.Deadline.Sub(ev.At))
		} else {
			delete(t.pending, ev.Teammate)
		}
	case eventlog.WrapUpEnded:
		if h, ok := t.pending[ev.Teammate]; ok && h.wrapping {
			t.setWrap(h, ev.At.Sub(h.end))
		}
		delete(t.pending, ev.Teammate)
	case eventlog.MemberAdded:
		if ev.Team != "" {
			t.team(ev.Team)
		}
	case eventlog.TeammateRemoved:
		delete(t.pending, ev.Teammate)
	}
	t.prune(ev.At)
}

// finish records the handle time of the answered call ev ends for its
// teammate.
func (t *Tracker) finish(ev eventlog.Event) {
	a, ok := t.answered[ev.Call]
	if !ok {
		return
	}
	delete(t.answered, ev.Call)
	tm := t.team(a.team)
	h := &handle{team: tm, end: ev.At, talk: ev.At.Sub(a.at)}
	tm.handles = append(tm.handles, h)
	tm.total += h.talk
	tm.count++
	t.pending[a.teammate] = h
}

// setWrap changes h's wrap-up to d, keeping its team's total in step.
func (t *Tracker) setWrap(h *handle, d time.Duration) {
	h.team.total += d - h.wrap
	h.wrap = d
}

// team returns the team's window, creating it.
func (t *Tracker) team(id pb.TeamID) *team {
	tm, ok := t.teams[id]
	if !ok {
		tm = &team{}
		t.teams[id] = tm
	}
	return tm
}

// prune drops what has left the window ending at now.
func (t *Tracker) prune(now time.Time) {
	from := now.Add(-t.window)
	for _, tm := range t.teams {
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
	}
}
