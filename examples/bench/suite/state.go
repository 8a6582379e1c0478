package suite

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/examples/bench/baseline"
	"github.com/phonebalance/phonebalance/metrics"
)

// Team is the team every call of a [State] is queued for.
const Team pb.TeamID = "support"

// Epoch is the time a [State] starts at.
var Epoch = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// State is an engine driven through its public API into a mix of
// teammate states, with the IDs of its teammates.
type State struct {
	Engine    *assign.Engine
	Now       time.Time
	Teammates []pb.TeammateID // every teammate, in the order added
	Members   []pb.TeammateID // the members of Team
	calls     int
	sink      func([]eventlog.Event) error
}

// Build returns an engine with n teammates in the given mix, drawn from
// seed. Last assignments are spread over n/3 distinct instants, so many
// teammates tie and the ID decides (rule AS3). Teammates on a call placed
// an outbound call or answered one; ringing ones are rung by calls queued
// for Team; excluded ones declined a call that the next teammate answered.
func Build(n int, seed uint64, mix Mix, cfg assign.Config) (*State, error) {
	return BuildObserved(n, seed, mix, cfg, nil)
}

// BuildObserved is [Build] with every event the engine logs passed to
// sink, from the first, as long as the state is drained with
// [State.Drain]: each Ready's events at once, in order, to be read in
// place (see [Observer]). A sink error is a broken benchmark and panics.
func BuildObserved(n int, seed uint64, mix Mix, cfg assign.Config, sink func([]eventlog.Event) error) (*State, error) {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	e, err := assign.New(cfg)
	if err != nil {
		return nil, err
	}
	s := &State{Engine: e, Now: Epoch, sink: sink}
	if err := e.AddTeam(Team, "Support", assign.TeamConfig{}); err != nil {
		return nil, err
	}
	// IDs without zero padding, in random order, so ID order is neither
	// numeric order nor insertion order.
	for _, k := range r.Perm(n) {
		id := pb.TeammateID("tm-" + strconv.Itoa(k))
		if err := e.AddTeammate(s.Now, id, "Teammate "+strconv.Itoa(k), mix.presenceFor(r)); err != nil {
			return nil, err
		}
		s.Teammates = append(s.Teammates, id)
		if r.Float64() >= mix.NonMember {
			if err := e.AddMember(s.Now, Team, id); err != nil {
				return nil, err
			}
			s.Members = append(s.Members, id)
		}
		s.Drain()
	}
	if err := s.assignLast(r, mix); err != nil {
		return nil, err
	}
	if err := s.busy(r, mix); err != nil {
		return nil, err
	}
	return s, nil
}

// assignLast reports a conversation assignment for every teammate but the
// never-assigned share, in time order, with ties.
func (s *State) assignLast(r *rand.Rand, mix Mix) error {
	type slot struct {
		at int
		id pb.TeammateID
	}
	slots := max(1, len(s.Teammates)/3)
	var plan []slot
	for _, id := range s.Teammates {
		if r.Float64() >= mix.Never {
			plan = append(plan, slot{r.IntN(slots), id})
		}
	}
	slices.SortStableFunc(plan, func(a, b slot) int { return a.at - b.at })
	for _, p := range plan {
		if err := s.Engine.ReportAssignment(Epoch.Add(time.Duration(p.at)*time.Millisecond), p.id); err != nil {
			return err
		}
		s.Drain()
	}
	s.Now = Epoch.Add(time.Duration(slots)*time.Millisecond + time.Second)
	return nil
}

// busy puts the on-call, excluded and ringing shares in place.
func (s *State) busy(r *rand.Rand, mix Mix) error {
	e, n := s.Engine, float64(len(s.Teammates))
	// Outbound calls by random teammates who are free.
	for range int(mix.OnCall * n / 2) {
		id := s.Teammates[r.IntN(len(s.Teammates))]
		if v, _ := e.Teammate(id); v.Ringing != "" || v.Calls > 0 {
			continue
		}
		if err := e.PlaceOutbound(s.Now, s.NewCall(), id); err != nil {
			return err
		}
		s.Drain()
	}
	// Inbound calls answered by whoever they ring: the longest idle.
	for range int(mix.OnCall * n / 2) {
		if _, err := s.ring(true); err != nil {
			return err
		}
	}
	// Calls declined by the first teammate they ring and answered by the
	// next: the first stays excluded from that call (rule AS7).
	for range int(mix.Excluded * n) {
		c, tm, ok := s.arrive()
		if !ok {
			break
		}
		if err := e.Decline(s.Now, c, tm, eventlog.DeclineButton); err != nil {
			return err
		}
		next, ok := Rung(s.Drain(), c)
		if !ok {
			break
		}
		if err := e.Answer(s.Now, c, next); err != nil {
			return err
		}
		s.Drain()
	}
	// Calls left ringing.
	for range int(mix.Ringing * n) {
		if ok, err := s.ring(false); err != nil || !ok {
			return err
		}
	}
	return nil
}

// ring queues a call and, if answer, has the rung teammate answer it. It
// reports false if nobody was eligible (the call is then left waiting).
func (s *State) ring(answer bool) (bool, error) {
	c, tm, ok := s.arrive()
	if !ok || !answer {
		return ok, nil
	}
	err := s.Engine.Answer(s.Now, c, tm)
	s.Drain()
	return true, err
}

func (s *State) arrive() (pb.CallID, pb.TeammateID, bool) {
	c := s.NewCall()
	if err := s.Engine.Arrive(s.Now, c, Team); err != nil {
		panic(fmt.Sprintf("suite: arrive: %v", err))
	}
	tm, ok := Rung(s.Drain(), c)
	return c, tm, ok
}

// Drain takes the engine's Ready, passing its events to the sink if the
// state has one.
func (s *State) Drain() assign.Ready {
	r := s.Engine.Ready()
	if s.sink != nil && len(r.Events) > 0 {
		if err := s.sink(r.Events); err != nil {
			panic(fmt.Sprintf("suite: sink refused an event: %v", err))
		}
	}
	return r
}

// Observer returns a sink for [BuildObserved] that folds the events into
// coll with [metrics.Collector.ObserveAll], as a host draining an engine
// would: in place, without copying each event.
func Observer(coll *metrics.Collector) func([]eventlog.Event) error {
	return func(evs []eventlog.Event) error {
		_, err := coll.ObserveAll(evs)
		return err
	}
}

// NewCall returns a call ID not used before in this state.
func (s *State) NewCall() pb.CallID {
	s.calls++
	return pb.CallID("setup-" + strconv.Itoa(s.calls))
}

// Rung returns the teammate a Ring effect in r names for call c.
func Rung(r assign.Ready, c pb.CallID) (pb.TeammateID, bool) {
	for _, ef := range r.Effects {
		if ef.Kind == assign.Ring && ef.Call == c {
			return ef.Teammate, true
		}
	}
	return "", false
}

// Snapshot returns the given teammates' state as the baselines store it,
// read back through the engine's views.
func (s *State) Snapshot(ids []pb.TeammateID) []baseline.Teammate {
	out := make([]baseline.Teammate, 0, len(ids))
	for _, id := range ids {
		v, ok := s.Engine.Teammate(id)
		if !ok {
			panic(fmt.Sprintf("suite: unknown teammate %q", id))
		}
		t := baseline.Teammate{ID: id, Channel: v.Presence.Channel, Status: v.Presence.Status,
			ClientOpen: v.Presence.ClientOpen, Backgrounded: v.Presence.Backgrounded,
			Ringing: v.Ringing != "", Calls: v.Calls, Last: baseline.Never}
		if !v.LastAssigned.IsZero() {
			t.Last = v.LastAssigned.UnixNano()
		}
		out = append(out, t)
	}
	return out
}
