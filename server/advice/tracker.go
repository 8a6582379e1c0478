package advice

import (
	"fmt"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
)

// Tracker turns each team's load (metrics.TeamLoad: arrivals and handle
// times over a sliding window) into staffing advice, against each team's
// service-level target. The loads come from the one fold of the event
// stream, metrics.Collector.Staffing, through [Tracker.Advise]; a host
// without a Collector may instead feed events to Observe, which folds
// them into the Tracker's own metrics.StaffingWindow, and call Advice. It
// reads no clock: time comes from the events and from Advice's now. Safe
// for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	window  time.Duration
	def     Target
	targets map[pb.TeamID]Target
	fold    *metrics.StaffingWindow // for Observe and Advice
}

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
		window:  cfg.Window,
		def:     def,
		targets: make(map[pb.TeamID]Target, len(cfg.PerTeam)),
		fold:    metrics.NewStaffingWindow(cfg.Window),
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

// Window returns the sliding window the advice is over: a
// metrics.Collector whose loads are passed to Advise should have it as
// its Config.StaffingWindow.
func (t *Tracker) Window() time.Duration { return t.window }

// Ignored returns how many events Observe ignored: of an unknown kind, or
// out of order (a Seq not after the last one's, or a time before it), as
// when a stream is replayed into a tracker that has already seen it.
func (t *Tracker) Ignored() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fold.Ignored()
}

// Observe folds one event into the Tracker's own window, for a host that
// has no metrics.Collector (with one, pass its Staffing to Advise
// instead). Events must come in the engine's order, each once: an event
// out of order is ignored and counted (see Ignored). Safe for concurrent
// use.
func (t *Tracker) Observe(ev eventlog.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fold.Observe(ev)
}
