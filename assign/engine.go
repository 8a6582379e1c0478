package assign

import (
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/cooldown"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/schedule"
)

// Engine decides whose phone rings for each call of one workspace. It is a
// pure state machine: every command takes the time it happens at, returns
// an error or nil, and leaves what the host must do and log in [Ready].
// It reads no clock, starts no goroutine and performs no I/O.
//
// Time: a command first advances the engine to its time, firing every due
// deadline (ring timeouts, exclusion lapses, wrap-up ends, hold timeouts)
// at its own time and in order, exactly as [Engine.Advance] would; a time
// before the engine's current time is refused with ErrTimeWentBackwards,
// and one outside [TimeRange] (years 1970 to 2199) with ErrTimeOutOfRange.
// A command that then fails changes nothing more; one whose arguments are
// wrong in themselves (an undeclared enum value, an empty ID, Decline with
// the button under auto-answer) is refused before advancing, so it changes
// nothing at all. [Engine.NextDeadline] tells the host when to call
// Advance next.
//
// An Engine is not safe for concurrent use; [Live] wraps one for that.
type Engine struct {
	cfg       Config
	now       time.Time // the latest time the engine has reached
	clock     time.Time // the time of the change being applied
	teammates map[pb.TeammateID]*teammate
	teams     map[pb.TeamID]*team
	calls     callIndex
	timers    cooldown.Queue[timerKey]
	eventSeq  uint64
	queueSeq  uint64
	dirty     []*team
	free      []*call      // forgotten calls, for reuse
	freeExcl  []*exclusion // lapsed exclusions, for reuse
	orphans   int          // exclusions naming no current teammate
	pivot     call         // a search key for the queue trees
	toPark    []*call      // calls nextMatch found to exclude every member
	ready     Ready
}

// New returns an engine for a workspace with the given config, or an error
// wrapping ErrInvalidConfig.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{
		cfg:       cfg,
		teammates: make(map[pb.TeammateID]*teammate),
		teams:     make(map[pb.TeamID]*team),
	}, nil
}

// Config returns the engine's config, including any override or change
// made since ([Engine.SetWorkspaceOverride], [Engine.SetWorkspaceConfig]).
func (e *Engine) Config() Config { return e.cfg }

// Now returns the latest time the engine has been advanced to; zero before
// the first command.
func (e *Engine) Now() time.Time { return e.now }

// Ready returns the effects and events produced since the last call and
// clears them. The slices are reused: they are valid until the next
// command, so copy what must outlive it.
func (e *Engine) Ready() Ready {
	r := e.ready
	e.ready.Effects = e.ready.Effects[:0]
	e.ready.Events = e.ready.Events[:0]
	return r
}

// NextDeadline returns the time of the earliest pending deadline, and false
// when none is pending. The host should call [Engine.Advance] then.
func (e *Engine) NextDeadline() (time.Time, bool) { return e.timers.Next() }

// Advance moves the engine to now, firing every deadline due by then at its
// own time and in order, and making the offers that follow.
func (e *Engine) Advance(now time.Time) error { return e.begin(now) }

// SetWorkspaceOverride sets the workspace's out-of-office override
// (rule DF3). It applies to calls queued from now on.
func (e *Engine) SetWorkspaceOverride(now time.Time, o schedule.Override) error {
	if o > schedule.OutOfOffice {
		return fmt.Errorf("%w: override %v", ErrInvalidArgument, o)
	}
	if err := e.begin(now); err != nil {
		return err
	}
	e.cfg.Hours.Override = o
	return nil
}

// SetWorkspaceConfig changes the workspace's settings that can change
// after [New]: AutoAnswer (rule AS8), ShowTeamComposition (rule EL3) and
// Hours, the operating hours with their out-of-office override (rule DF3).
// cfg is the whole config, validated as New validates it; every other field
// must equal the engine's (see [Engine.Config]), since deadlines already
// pending were computed from them: a bad config, or one changing another
// field, fails with ErrInvalidConfig before the engine advances and
// changes nothing. The new settings apply to the next decision: a ring
// started from now on carries the new AutoAnswer and the Decline button
// follows it from now on, even for a call ringing already; composition is
// logged at the assignments made from now on; the hours deflect calls
// queued from now on, and calls already waiting stay. It emits no event.
func (e *Engine) SetWorkspaceConfig(now time.Time, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	fixed := e.cfg
	fixed.AutoAnswer, fixed.ShowTeamComposition, fixed.Hours = cfg.AutoAnswer, cfg.ShowTeamComposition, cfg.Hours
	if err := sameFixed(fixed, cfg); err != nil {
		return err
	}
	if err := e.begin(now); err != nil {
		return err
	}
	e.cfg = fixed
	return nil
}

// sameFixed reports the first setting that differs between a and b, which
// differ at most in what SetWorkspaceConfig may change.
func sameFixed(a, b Config) error {
	for _, f := range []struct {
		name string
		same bool
	}{
		{"RingTimeout", a.RingTimeout == b.RingTimeout},
		{"ExclusionPeriod", a.ExclusionPeriod == b.ExclusionPeriod},
		{"CallLimit", a.CallLimit == b.CallLimit},
		{"WrapUp", a.WrapUp == b.WrapUp},
		{"TestWorkspace", a.TestWorkspace == b.TestWorkspace},
		{"EndedCallRetention", a.EndedCallRetention == b.EndedCallRetention},
	} {
		if !f.same {
			return fmt.Errorf("%w: %s cannot change after the engine is created", ErrInvalidConfig, f.name)
		}
	}
	return nil
}

// begin checks the command's time and advances to it.
func (e *Engine) begin(now time.Time) error {
	if err := checkTime(now); err != nil {
		return err
	}
	if now.Before(e.now) {
		return fmt.Errorf("%w: %v is before %v", ErrTimeWentBackwards, now, e.now)
	}
	// Deadlines fire in time order, each instant settled as a whole before
	// offers are made: two exclusions lapsing together let the older call
	// go first (AS12).
	for {
		at, ok := e.timers.Next()
		if !ok || at.After(now) {
			break
		}
		e.clock = at
		for {
			tm, ok := e.timers.PopDue(at)
			if !ok {
				break
			}
			e.fire(tm.Key)
		}
		e.dispatch()
	}
	e.now, e.clock = now, now
	return nil
}

func (e *Engine) emit(ev eventlog.Event) {
	e.eventSeq++
	ev.Seq, ev.At = e.eventSeq, e.clock
	e.ready.Events = append(e.ready.Events, ev)
}

// newEvent logs an event of kind, numbered and dated as emit would, and
// returns it to be filled in place, so that the event is written once
// rather than built and copied. The pointer is valid until the next event.
func (e *Engine) newEvent(kind eventlog.Kind) *eventlog.Event {
	e.eventSeq++
	evs := e.ready.Events
	n := len(evs)
	if n < cap(evs) {
		evs = evs[:n+1] // cleared in place: no event built aside and copied
	} else {
		evs = append(evs, eventlog.Event{})
	}
	e.ready.Events = evs
	ev := &evs[n]
	*ev = eventlog.Event{}
	ev.Kind, ev.Seq, ev.At = kind, e.eventSeq, e.clock
	return ev
}

func (e *Engine) effect(ef Effect) { e.ready.Effects = append(e.ready.Effects, ef) }

func (e *Engine) teammate(id pb.TeammateID) (*teammate, error) {
	t, ok := e.teammates[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTeammate, id)
	}
	return t, nil
}

func (e *Engine) team(id pb.TeamID) (*team, error) {
	tm, ok := e.teams[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTeam, id)
	}
	return tm, nil
}

// call returns a call that has not ended.
func (e *Engine) call(id pb.CallID) (*call, error) {
	c := e.calls.get(id)
	if c == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCall, id)
	}
	if c.ended {
		return nil, fmt.Errorf("%w: %q", ErrCallEnded, id)
	}
	return c, nil
}
