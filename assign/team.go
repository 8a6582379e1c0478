package assign

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/google/btree"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
)

// treeDegree is the B-tree degree of the per-team trees; 32 keeps a
// 15,000-teammate tree three levels deep.
const treeDegree = 32

// treeItem orders eligible teammates longest-idle first: by last
// conversation assignment, then by ID, so no two items are equal (AS3, X8).
type treeItem struct {
	last int64
	id   pb.TeammateID
	t    *teammate
}

func lessItem(a, b treeItem) bool {
	if a.last != b.last {
		return a.last < b.last
	}
	return a.id < b.id
}

func lessQueued(a, b *call) bool { return a.qseq < b.qseq }

type team struct {
	id       pb.TeamID
	name     string
	cfg      TeamConfig
	members  []*teammate
	eligible *btree.BTreeG[treeItem] // members eligible for some call
	queue    *btree.BTreeG[*call]    // waiting calls, not ringing, in arrival order
	open     *btree.BTreeG[*call]    // the queue's calls that are not parked
	resume   uint64                  // during dispatch: open calls before this have no match
	inQueue  int                     // calls in the queue, ringing ones included
	counts   presence.Counts         // team composition (EL3)
	online   int                     // members online for phone (DF2)
	dirty    bool
}

func (tm *team) count(t *teammate) {
	tm.counts.Add(t.class, 1)
	if t.online {
		tm.online++
	}
}

func (tm *team) uncount(t *teammate) {
	tm.counts.Add(t.class, -1)
	if t.online {
		tm.online--
	}
}

// member reports whether t belongs to tm, scanning t's few teams rather
// than tm's many members.
func (tm *team) member(t *teammate) bool {
	for _, x := range t.teams {
		if x == tm {
			return true
		}
	}
	return false
}

// removeEligible takes t out of tm's eligible tree. An offer goes to the
// longest idle, the tree's minimum, which DeleteMin removes without
// comparing keys.
func (tm *team) removeEligible(t *teammate) {
	if it, ok := tm.eligible.Min(); ok && it.t == t {
		tm.eligible.DeleteMin()
		return
	}
	tm.eligible.Delete(t.item())
}

func (e *Engine) markDirty(tm *team) {
	if !tm.dirty {
		tm.dirty = true
		e.dirty = append(e.dirty, tm)
	}
}

// AddTeam adds a team with its own phone settings. Teams take no time:
// they change nothing until calls are queued for them.
func (e *Engine) AddTeam(id pb.TeamID, name string, cfg TeamConfig) error {
	if err := checkID("team", id); err != nil {
		return err
	}
	if err := checkText("team name", name); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if _, ok := e.teams[id]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicateTeam, id)
	}
	e.teams[id] = &team{
		id: id, name: name, cfg: cfg,
		eligible: btree.NewG(treeDegree, lessItem),
		queue:    btree.NewG(treeDegree, lessQueued),
		open:     btree.NewG(treeDegree, lessQueued),
	}
	return nil
}

// SetTeamOverride sets a team's out-of-office override (rule DF4). It
// applies to calls queued from now on.
func (e *Engine) SetTeamOverride(now time.Time, id pb.TeamID, o schedule.Override) error {
	if o > schedule.OutOfOffice {
		return fmt.Errorf("%w: override %v", ErrInvalidArgument, o)
	}
	if err := checkID("team", id); err != nil {
		return err
	}
	if err := e.begin(now); err != nil {
		return err
	}
	tm, err := e.team(id)
	if err != nil {
		return err
	}
	tm.cfg.Hours.Override = o
	return nil
}

// SetTeamConfig replaces a team's phone settings, the out-of-office
// override included, validated as [Engine.AddTeam] validates them: a bad
// config fails with ErrInvalidConfig before the engine advances, and
// changes nothing. The new settings apply from now on, to the next
// decision each of them takes part in:
//
//   - MaxQueue, DeflectWhenNobodyOnline and Hours (operating hours and
//     override) are checked when a call enters the queue (rules DF1, DF2,
//     DF4): calls already waiting or ringing stay, even when the queue is
//     now over its limit or the team now out of office; calls arriving or
//     transferred in from now on are deflected.
//   - MaxWait (rule DF5) applies to the calls already waiting or ringing
//     too, measured from when they entered the queue, as it would have
//     been had it always been set: a call's hold deadline becomes its queue
//     entry plus the new MaxWait (none when it is zero), and a call whose
//     new deadline is not after now is deflected at once, at now, with the
//     hold-timeout reason, in queue order (a ringing one stops ringing
//     first). The teammates this frees may then be offered other calls.
//
// It emits no event of its own; only the deflections it causes are
// logged.
func (e *Engine) SetTeamConfig(now time.Time, id pb.TeamID, cfg TeamConfig) error {
	if err := checkID("team", id); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := e.begin(now); err != nil {
		return err
	}
	tm, err := e.team(id)
	if err != nil {
		return err
	}
	old := tm.cfg.MaxWait
	tm.cfg = cfg
	if cfg.MaxWait == old || tm.inQueue == 0 {
		return nil
	}
	var expired []*call
	for _, c := range tm.waiting() {
		if cfg.MaxWait == 0 {
			e.timers.Cancel(&c.hold)
			continue
		}
		until := c.queuedAt.Add(cfg.MaxWait)
		if !until.After(e.clock) {
			expired = append(expired, c)
			continue
		}
		e.schedule(&c.hold, until)
	}
	for _, c := range expired {
		e.leaveQueue(c)
		e.deflect(c, tm, eventlog.DeflectHoldTimeout)
	}
	e.dispatch()
	return nil
}

// waiting returns tm's calls that wait in its queue or ring for one of its
// members, in queue order.
func (tm *team) waiting() []*call {
	out := make([]*call, 0, tm.inQueue)
	tm.queue.Ascend(func(c *call) bool {
		out = append(out, c)
		return true
	})
	for _, t := range tm.members {
		if c := t.ringing; c != nil && c.team == tm {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *call) int { return cmp.Compare(a.qseq, b.qseq) })
	return out
}

// AddMember adds a teammate to a team. If they are eligible, they may be
// offered the team's oldest waiting call at once (rule AS12).
func (e *Engine) AddMember(now time.Time, teamID pb.TeamID, id pb.TeammateID) error {
	tm, t, err := e.beginMembership(now, teamID, id)
	if err != nil {
		return err
	}
	if tm.member(t) {
		return fmt.Errorf("%w: %q in %q", ErrDuplicateMember, id, teamID)
	}
	tm.members = append(tm.members, t)
	t.teams = append(t.teams, tm)
	tm.count(t)
	tm.unparkAll()
	if t.inTrees {
		tm.eligible.ReplaceOrInsert(t.item())
		e.markDirty(tm)
	}
	e.emit(eventlog.Event{Kind: eventlog.MemberAdded, Team: tm.id, TeamName: tm.name,
		Teammate: t.id, TeammateName: t.name})
	e.dispatch()
	return nil
}

// RemoveMember removes a teammate from a team. A call of that team ringing
// for them stops ringing (a StopRinging effect): it is logged as a decline
// that is not the Decline button (eventlog.DeclineWentAway, "Call
// declined by [name]"), like going Away just before an assignment
// (rule AS8), but with no exclusion, since they may no longer be offered
// the team's calls anyway; the call goes back to its queue and is offered
// at once to the next eligible member. So no call is answered in a team by
// someone outside it.
func (e *Engine) RemoveMember(now time.Time, teamID pb.TeamID, id pb.TeammateID) error {
	tm, t, err := e.beginMembership(now, teamID, id)
	if err != nil {
		return err
	}
	if !tm.member(t) {
		return fmt.Errorf("%w: %q in %q", ErrNotMember, id, teamID)
	}
	if c := t.ringing; c != nil && c.team == tm {
		e.ringEnded(c, eventlog.CallDeclined, eventlog.DeclineWentAway, true)
	}
	e.removeMember(tm, t)
	e.refresh(t)
	e.dispatch()
	return nil
}

// beginMembership advances to now and returns the team and teammate.
func (e *Engine) beginMembership(now time.Time, teamID pb.TeamID, id pb.TeammateID) (*team, *teammate, error) {
	if err := checkID("team", teamID); err != nil {
		return nil, nil, err
	}
	if err := checkID("teammate", id); err != nil {
		return nil, nil, err
	}
	if err := e.begin(now); err != nil {
		return nil, nil, err
	}
	tm, err := e.team(teamID)
	if err != nil {
		return nil, nil, err
	}
	t, err := e.teammate(id)
	return tm, t, err
}

func (e *Engine) removeMember(tm *team, t *teammate) {
	tm.members = without(tm.members, t)
	t.teams = without(t.teams, tm)
	tm.uncount(t)
	if t.inTrees {
		tm.eligible.Delete(t.item())
	}
	e.emit(eventlog.Event{Kind: eventlog.MemberRemoved, Team: tm.id, TeamName: tm.name,
		Teammate: t.id, TeammateName: t.name})
}

// without removes v from s, keeping the order of the rest.
func without[T comparable](s []T, v T) []T {
	for i, x := range s {
		if x == v {
			copy(s[i:], s[i+1:])
			var zero T
			s[len(s)-1] = zero
			return s[:len(s)-1]
		}
	}
	return s
}
