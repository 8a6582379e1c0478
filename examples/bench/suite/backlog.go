package suite

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// BacklogTeammates is the team size of the excluded-backlog fixture.
const BacklogTeammates = 50

// BacklogConfig is the product's defaults with ended calls forgotten at
// once, so the measured calls leave nothing behind.
func BacklogConfig() assign.Config {
	cfg := assign.DefaultConfig()
	cfg.EndedCallRetention = 0
	return cfg
}

// BacklogFixture is an overloaded team: [BacklogTeammates] teammates, all
// eligible, and a backlog of waiting calls every one of them has declined,
// so each is excluded from each waiting call (rule AS7) for the
// exclusion period. The clock does not move while it is measured, so no
// exclusion lapses.
type BacklogFixture struct {
	Engine  *assign.Engine
	Now     time.Time
	Members []pb.TeammateID
	Waiting []pb.CallID // the backlog, oldest first
	probes  []pb.CallID
	i       int
	ringing pb.CallID // the probe call ringing, if any
}

// NewBacklogFixture builds the fixture with the given number of waiting
// calls. Declining thousands of calls through the commands would cost
// each decline a scan of the backlog, which is what this fixture
// measures, so it is built in two steps, both through the public API: one
// call is queued and declined by every teammate in turn, which leaves it
// waiting with everyone excluded; then the engine's [assign.Snapshot] is
// copied with that call repeated waiting times (its own ID and queue
// order, the same exclusions and deadlines) and the copy is
// [assign.Restore]d.
func NewBacklogFixture(waiting int) (*BacklogFixture, error) {
	if waiting < 1 {
		return nil, fmt.Errorf("suite: %d waiting calls", waiting)
	}
	e, err := assign.New(BacklogConfig())
	if err != nil {
		return nil, err
	}
	if err := e.AddTeam(Team, "Support", assign.TeamConfig{}); err != nil {
		return nil, err
	}
	now := Epoch
	st := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	var members []pb.TeammateID
	for k := range BacklogTeammates {
		id := pb.TeammateID("tm-" + strconv.Itoa(k))
		if err := e.AddTeammate(now, id, "Teammate "+strconv.Itoa(k), st); err != nil {
			return nil, err
		}
		if err := e.AddMember(now, Team, id); err != nil {
			return nil, err
		}
		now = now.Add(time.Second)
		if err := e.ReportAssignment(now, id); err != nil {
			return nil, err
		}
		members = append(members, id)
	}
	e.Ready()

	const template = pb.CallID("template")
	if err := e.Arrive(now, template, Team); err != nil {
		return nil, err
	}
	for range BacklogTeammates {
		tm, ok := Rung(e.Ready(), template)
		if !ok {
			return nil, fmt.Errorf("suite: the template call stopped ringing")
		}
		if err := e.Decline(now, template, tm, eventlog.DeclineButton); err != nil {
			return nil, err
		}
	}
	e.Ready()

	snap := e.Snapshot()
	i := slices.IndexFunc(snap.Calls, func(c assign.CallState) bool { return c.ID == template })
	if i < 0 {
		return nil, fmt.Errorf("suite: the template call is not in the snapshot")
	}
	tc := snap.Calls[i]
	if tc.Stage != eventlog.StageQueued || len(tc.Excluded) != BacklogTeammates {
		return nil, fmt.Errorf("suite: the template call is %v with %d exclusions", tc.Stage, len(tc.Excluded))
	}
	var tds, others []assign.Deadline
	for _, d := range snap.Deadlines {
		if d.Call == template {
			tds = append(tds, d)
		} else {
			others = append(others, d)
		}
	}
	f := &BacklogFixture{Now: now, Members: members}
	calls := slices.Delete(slices.Clone(snap.Calls), i, i+1)
	deadlines := others
	base := snap.QueueSeq
	for k := range waiting {
		id := pb.CallID("waiting-" + strconv.Itoa(k))
		c := tc
		c.ID, c.QueueSeq = id, base+uint64(k)+1
		c.Excluded = slices.Clone(tc.Excluded)
		calls = append(calls, c)
		for _, d := range tds {
			d.Call = id
			deadlines = append(deadlines, d)
		}
		f.Waiting = append(f.Waiting, id)
	}
	snap.Calls, snap.Deadlines, snap.QueueSeq = calls, deadlines, base+uint64(waiting)
	if f.Engine, err = assign.Restore(snap); err != nil {
		return nil, err
	}
	for k := range 1024 {
		f.probes = append(f.probes, pb.CallID("probe-"+strconv.Itoa(k)))
	}
	return f, nil
}

// Command runs one command of the measured pair: if no probe call is
// ringing, a new call arrives, and the engine, finding every waiting call
// excluded for everyone, rings the longest-idle teammate for it; if one
// is, its customer hangs up, which frees the teammate and leaves the
// state as it was. It reports the Ready it drained.
func (f *BacklogFixture) Command() (assign.Ready, error) {
	e := f.Engine
	if c := f.ringing; c != "" {
		f.ringing = ""
		err := e.HangUp(f.Now, c)
		return e.Ready(), err
	}
	c := f.probes[f.i&(len(f.probes)-1)]
	f.i++
	if err := e.Arrive(f.Now, c, Team); err != nil {
		return assign.Ready{}, err
	}
	r := e.Ready()
	if _, ok := Rung(r, c); !ok {
		return r, fmt.Errorf("suite: the new call %q rang nobody", c)
	}
	f.ringing = c
	return r, nil
}

// ExcludedBacklog measures one command on a [BacklogFixture] with the
// given number of waiting calls: alternately a new call's Arrive (it
// rings) and its HangUp. Both make a teammate eligible for the team or
// queue a call, so both restore the engine's invariant that no waiting
// call has a teammate who may take it; an operation is one command.
func ExcludedBacklog(waiting int) func(b *testing.B) {
	var f *BacklogFixture
	return func(b *testing.B) {
		if f == nil {
			var err error
			if f, err = NewBacklogFixture(waiting); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := f.Command(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
