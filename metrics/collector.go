package metrics

import (
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// Collector folds a stream of events into the call metrics of rules
// MT1-MT15: live counters ([Collector.Dashboard]), windowed figures
// ([Collector.Report]), channel history ([Collector.ChannelAt]), counts
// since the first event ([Collector.Totals], which Prometheus counters
// mirror) and each team's load over a sliding window
// ([Collector.Staffing], for staffing advice). It is the one fold of the
// event stream: exporters and advice read it rather than keep their own.
//
// It reads the events only: the same stream gives the same figures
// whether it comes live from the engine or from a stored log. It never
// reads the wall clock; every time it reports comes from the events or
// from the instant a caller passes in.
//
// Cost: [Collector.Observe] is O(1) amortised (membership and availability
// changes also touch each team of the teammate) and does not allocate in
// steady state, apart from the staffing window's record of each answered
// call and its lists, re-sliced as the window moves. Live state is per call
// in progress, per teammate and per team; a call's state is released when
// it ends, so memory does not grow with finished calls. Windowed figures
// are kept per time bucket (see [Config]), the staffing window's arrivals
// and finished calls for its length only, and channel history as change
// points only.
//
// A Collector is not safe for concurrent use: one goroutine observes and
// reads it, or the caller serialises access.
type Collector struct {
	cfg Config

	started bool
	lastSeq uint64
	lastAt  time.Time
	nowIdx  int64 // index of the bucket of the event being folded

	calls     map[pb.CallID]*call
	freeCalls []*call
	mates     map[pb.TeammateID]*mate
	teams     map[pb.TeamID]*team

	// One-entry caches in front of calls, mates and teams: the events of
	// one call, and of one teammate, tend to come together. Each holds an
	// entry of its map (nil: none), dropped when the map entry is deleted.
	lastCallID pb.CallID
	lastCall   *call
	lastMateID pb.TeammateID
	lastMate   *mate
	lastTeamID pb.TeamID
	lastTeam   *team

	channels map[pb.TeammateID][]chanPoint
	scratch  team
	win      windows

	// Workspace live counters.
	inQueue     int
	active      int
	inVoicemail int
	voicemails  int
	callbacks   int
	unreached   int // callbacks that did not reach the customer
	available   int
	talk        time.Duration

	rejected int
	tot      totals          // the counts since the first event (totals.go)
	staff    *StaffingWindow // the teams' loads over the staffing window (staffing.go)

	gone     []goneMate // removed teammates, oldest removal first
	goneHead int
}

// goneMate is a removed teammate whose channel history is dropped once the
// removal is older than the retention.
type goneMate struct {
	id pb.TeammateID
	at time.Time
}

// Plausibility bounds on the stream: an event beyond them is refused, so
// one corrupt event cannot make every correct event after it look out of
// order.
const (
	// MaxSeqGap is the largest step in Seq from one accepted event to the
	// next. The engine numbers its events consecutively; a stream may skip
	// events it does not forward, but not billions of them.
	MaxSeqGap = 1 << 32
	// MaxSeq is the largest Seq accepted, even for the first event.
	MaxSeq = 1 << 62
)

// The times an event may carry: years 1970 to 2199, the range the engine
// accepts.
var (
	earliestAt = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	latestAt   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

	earliestUnix = earliestAt.Unix()
	latestUnix   = latestAt.Unix()
)

// New returns an empty collector, or an error wrapping ErrInvalidConfig.
func New(cfg Config) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Collector{
		cfg:      cfg,
		calls:    make(map[pb.CallID]*call, 64),
		mates:    make(map[pb.TeammateID]*mate, 64),
		teams:    make(map[pb.TeamID]*team, 8),
		channels: make(map[pb.TeammateID][]chanPoint, 64),
		win:      windows{res: cfg.Resolution, retention: cfg.Retention},
		staff:    NewStaffingWindow(cfg.StaffingWindow),
	}, nil
}

// Observe folds one event into the figures. Events must come in the
// engine's order: Seq strictly increasing, At never decreasing, each
// call's events in the shape documented in package eventlog.
//
// An event that breaks these rules is refused: Observe returns an error
// wrapping one of the package's sentinel errors (ErrOutOfOrder,
// ErrInvalidEvent, ErrUnknownCall, ErrDuplicateCall, ErrUnexpected,
// ErrUnknownTeammate, ErrDuplicateTeammate) and leaves every figure as it
// was; only [Collector.Rejected] counts it. Implausible events are refused
// the same way: a Seq above MaxSeq or more than MaxSeqGap past the
// previous one (ErrOutOfOrder), a time outside the years 1970 to 2199
// (ErrInvalidEvent). Observe never panics on bad input.
func (c *Collector) Observe(e eventlog.Event) error {
	return c.observeOne(&e)
}

// ObserveAll observes events in order, as many calls to [Collector.Observe]
// would, and stops at the first event Observe refuses. It returns how
// many events were accepted (the index of the refused one, if any) and
// the refusal; the events after a refused one are not observed. It reads
// the events in place and does not keep or change them, so it avoids
// copying each one. Like Observe, it is not safe for concurrent use and
// reads no clock.
func (c *Collector) ObserveAll(events []eventlog.Event) (int, error) {
	for i := range events {
		if err := c.observeOne(&events[i]); err != nil {
			return i, err
		}
	}
	return len(events), nil
}

func (c *Collector) observeOne(e *eventlog.Event) error {
	if err := c.observe(e); err != nil {
		c.rejected++
		return err
	}
	c.tot.events++
	c.staff.observe(e)
	c.started, c.lastSeq, c.lastAt = true, e.Seq, e.At
	c.win.advance(c.nowIdx)
	c.dropGone(e.At)
	return nil
}

// dropGone forgets the channel history of teammates removed longer than
// the retention ago and not added again since: ChannelAt could no longer
// answer for any instant it covers.
func (c *Collector) dropGone(now time.Time) {
	if c.cfg.Retention <= 0 || c.goneHead == len(c.gone) {
		return
	}
	horizon := now.Add(-c.cfg.Retention)
	for c.goneHead < len(c.gone) && !c.gone[c.goneHead].at.After(horizon) {
		g := c.gone[c.goneHead]
		c.gone[c.goneHead] = goneMate{}
		c.goneHead++
		if h := c.channels[g.id]; len(h) > 0 && h[len(h)-1].ch == 0 && !h[len(h)-1].at.After(horizon) {
			delete(c.channels, g.id)
		}
	}
	if c.goneHead > 64 && c.goneHead*2 > len(c.gone) {
		c.gone = append(c.gone[:0], c.gone[c.goneHead:]...)
		c.goneHead = 0
	}
}

// Rejected returns how many events Observe refused.
func (c *Collector) Rejected() int { return c.rejected }

// Report returns the figures of the window [from, to), both rounded down
// to the resolution (see [Report] for how figures are attributed). It is
// computed from the retained buckets only and does not change the
// collector. The maps of the result are new and belong to the caller.
func (c *Collector) Report(from, to time.Time) Report {
	return c.win.report(from, to)
}

func refuse(sentinel error, e *eventlog.Event, format string, args ...any) error {
	return fmt.Errorf("%w: event %d (%v): %s", sentinel, e.Seq, e.Kind, fmt.Sprintf(format, args...))
}

func (c *Collector) observe(e *eventlog.Event) error {
	if !e.Kind.Valid() {
		return refuse(ErrInvalidEvent, e, "unknown kind")
	}
	if c.started && e.Seq <= c.lastSeq {
		return refuse(ErrOutOfOrder, e, "seq not after %d", c.lastSeq)
	}
	if e.Seq > MaxSeq || c.started && e.Seq-c.lastSeq > MaxSeqGap {
		return refuse(ErrOutOfOrder, e, "seq %d is an implausible jump from %d", e.Seq, c.lastSeq)
	}
	// Equivalent to e.At.Before(earliestAt) || !e.At.Before(latestAt):
	// both bounds fall on a whole second.
	if s := e.At.Unix(); s < earliestUnix || s >= latestUnix {
		return refuse(ErrInvalidEvent, e, "time %v outside [%v, %v)", e.At, earliestAt, latestAt)
	}
	if c.started && e.At.Before(c.lastAt) {
		return refuse(ErrOutOfOrder, e, "time %v before %v", e.At, c.lastAt)
	}
	c.nowIdx = c.win.eventIndex(e.At)
	if e.Kind.IsCall() {
		return c.callEvent(e)
	}
	return c.mateEvent(e)
}
