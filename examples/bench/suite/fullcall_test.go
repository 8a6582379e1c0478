package suite_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/examples/bench/suite"
	"github.com/phonebalance/phonebalance/presence"
)

// callIDs returns the IDs of the calls the engine holds.
func callIDs(e *assign.Engine) []pb.CallID {
	var out []pb.CallID
	for _, c := range e.Snapshot().Calls {
		out = append(out, c.ID)
	}
	return out
}

// idle checks that tm is Active, ringing for nothing, on no call and
// eligible.
func idle(t *testing.T, e *assign.Engine, tm pb.TeammateID) {
	t.Helper()
	v, ok := e.Teammate(tm)
	switch {
	case !ok:
		t.Fatalf("teammate %q is gone", tm)
	case v.Presence.Status != presence.Active || v.Ringing != "" || v.Calls != 0 || !v.Eligible:
		t.Fatalf("teammate %q is not idle after the call: %+v", tm, v)
	}
}

// Each full call rings the teammate next in line, and leaves the engine
// with the calls it had and that teammate idle at the back of the line,
// with or without a collector.
func TestFullCallLeavesNothingBehind(t *testing.T) {
	for _, observe := range []bool{false, true} {
		f, err := suite.NewFullCallFixture(300, observe)
		if err != nil {
			t.Fatal(err)
		}
		e := f.State.Engine
		before := callIDs(e)
		for range 50 {
			next, ok := e.NextInLine(suite.Team)
			if !ok {
				t.Fatal("nobody in line")
			}
			c, tm, err := f.Call()
			if err != nil {
				t.Fatal(err)
			}
			if tm != next {
				t.Fatalf("call rang %q, next in line was %q", tm, next)
			}
			if _, ok := e.Call(c); ok {
				t.Fatalf("call %q is still there", c)
			}
			idle(t, e, tm)
			if order := e.OfferOrder(suite.Team); order[len(order)-1] != tm {
				t.Fatalf("%q is not at the back of the line", tm)
			}
		}
		if after := callIDs(e); !slices.Equal(before, after) {
			t.Fatalf("calls before %v, after %v", before, after)
		}
		if f.Collector != nil {
			if n := f.Collector.Rejected(); n > 0 {
				t.Fatalf("the collector refused %d events", n)
			}
			d := f.Collector.Dashboard(f.State.Now)
			if d.InQueue != 0 {
				t.Fatalf("the collector sees %d calls in queue", d.InQueue)
			}
		}
	}
}

// The live caller makes the same calls through assign.Live, and Deliver
// sees each call's ring.
func TestLiveFullCall(t *testing.T) {
	f, err := suite.NewFullCallFixture(300, false)
	if err != nil {
		t.Fatal(err)
	}
	before := callIDs(f.State.Engine)
	lc := suite.NewLiveCaller(f)
	_, _, _, rings0 := lc.Delivered()
	const calls = 50
	for range calls {
		c, tm, err := lc.Call()
		if err != nil {
			t.Fatal(err)
		}
		lc.Live.View(func(e *assign.Engine) {
			if _, ok := e.Call(c); ok {
				t.Errorf("call %q is still there", c)
			}
			idle(t, e, tm)
		})
	}
	readies, effects, events, rings := lc.Delivered()
	lc.Close()
	if rings-rings0 != calls {
		t.Fatalf("%d calls, %d rings delivered", calls, rings-rings0)
	}
	if readies == 0 || effects < rings || events == 0 {
		t.Fatalf("delivered %d Ready values, %d effects, %d events", readies, effects, events)
	}
	if after := callIDs(f.State.Engine); !slices.Equal(before, after) {
		t.Fatalf("calls before %v, after %v", before, after)
	}
}

// The tree limit holds the same members, in the same order, as the
// engine's line, and rotates them as full calls do.
func TestTreeLimitMatchesTheEngine(t *testing.T) {
	f, err := suite.NewFullCallFixture(300, false)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := suite.NewTreeLimitFixture(300)
	if err != nil {
		t.Fatal(err)
	}
	order := func() []pb.TeammateID {
		var out []pb.TeammateID
		tf.Tree.Ascend(func(it suite.TreeItem) bool { out = append(out, it.ID); return true })
		return out
	}
	if want, got := f.State.Engine.OfferOrder(suite.Team), order(); !slices.Equal(want, got) {
		t.Fatalf("tree order %v, engine order %v", got, want)
	}
	for range 50 {
		_, tm, err := f.Call()
		if err != nil {
			t.Fatal(err)
		}
		if got := tf.Rotate(); got != tm {
			t.Fatalf("tree rotated %q, the engine rang %q", got, tm)
		}
	}
	if want, got := f.State.Engine.OfferOrder(suite.Team), order(); !slices.Equal(want, got) {
		t.Fatalf("after the calls: tree order %v, engine order %v", got, want)
	}
}

// Every teammate is excluded from every waiting call, nobody rings, and
// the measured commands leave the backlog as it was.
func TestExcludedBacklog(t *testing.T) {
	const waiting = 30
	f, err := suite.NewBacklogFixture(waiting)
	if err != nil {
		t.Fatal(err)
	}
	e := f.Engine
	if got := e.Waiting(suite.Team); !slices.Equal(got, f.Waiting) || len(got) != waiting {
		t.Fatalf("waiting calls %v, want %v", got, f.Waiting)
	}
	members := slices.Sorted(slices.Values(f.Members))
	if len(members) != suite.BacklogTeammates {
		t.Fatalf("%d members", len(members))
	}
	check := func() {
		t.Helper()
		for _, c := range f.Waiting {
			v, ok := e.Call(c)
			if !ok || v.Ringing != "" || v.Ended {
				t.Fatalf("call %q: %+v", c, v)
			}
			var ex []pb.TeammateID
			for _, x := range v.Excluded {
				if !x.Until.After(f.Now) {
					t.Fatalf("call %q: exclusion of %q lapses at %v", c, x.Teammate, x.Until)
				}
				ex = append(ex, x.Teammate)
			}
			if slices.Sort(ex); !slices.Equal(ex, members) {
				t.Fatalf("call %q excludes %v", c, ex)
			}
		}
		for _, id := range f.Members {
			if v, _ := e.Teammate(id); !v.Eligible && v.Ringing == "" {
				t.Fatalf("teammate %q is neither eligible nor ringing: %+v", id, v)
			}
		}
	}
	check()
	for range 20 {
		if _, err := f.Command(); err != nil {
			t.Fatal(err)
		}
		check()
	}
	if got := e.Waiting(suite.Team); !slices.Equal(got, f.Waiting) {
		t.Fatalf("waiting calls after the commands %v", got)
	}
}

// The backlog restored from a snapshot is the one the commands build:
// the same calls waiting in the same order, with the same exclusions and
// deadlines, and the same line of teammates.
func TestExcludedBacklogAsTheCommandsBuildIt(t *testing.T) {
	const waiting = 4
	f, err := suite.NewBacklogFixture(waiting)
	if err != nil {
		t.Fatal(err)
	}
	e, err := assign.New(suite.BacklogConfig())
	if err != nil {
		t.Fatal(err)
	}
	// The same team, through the commands, as NewBacklogFixture builds it.
	snap := f.Engine.Snapshot()
	if err := e.AddTeam(suite.Team, "Support", assign.TeamConfig{}); err != nil {
		t.Fatal(err)
	}
	now := suite.Epoch
	for _, ts := range snap.Teammates {
		if err := e.AddTeammate(now, ts.ID, ts.Name, ts.Presence); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range snap.Teams[0].Members {
		if err := e.AddMember(now, suite.Team, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range f.Members {
		now = now.Add(time.Second)
		if err := e.ReportAssignment(now, id); err != nil {
			t.Fatal(err)
		}
	}
	e.Ready()
	if !now.Equal(f.Now) {
		t.Fatalf("built at %v, the fixture at %v", now, f.Now)
	}
	for _, c := range f.Waiting {
		if err := e.Arrive(now, c, suite.Team); err != nil {
			t.Fatal(err)
		}
		for range suite.BacklogTeammates {
			tm, ok := suite.Rung(e.Ready(), c)
			if !ok {
				t.Fatalf("call %q stopped ringing", c)
			}
			if err := e.Decline(now, c, tm, eventlog.DeclineButton); err != nil {
				t.Fatal(err)
			}
		}
		e.Ready()
	}
	if got := e.Waiting(suite.Team); !slices.Equal(got, f.Waiting) {
		t.Fatalf("the commands leave %v waiting, the fixture %v", got, f.Waiting)
	}
	for _, c := range f.Waiting {
		want, _ := e.Call(c)
		got, _ := f.Engine.Call(c)
		if !reflect.DeepEqual(got.Excluded, want.Excluded) || got.Stage != want.Stage {
			t.Fatalf("call %q: fixture %+v, commands %+v", c, got, want)
		}
	}
	if want, got := e.OfferOrder(suite.Team), f.Engine.OfferOrder(suite.Team); !slices.Equal(got, want) {
		t.Fatalf("line: fixture %v, commands %v", got, want)
	}
	want, _ := e.NextDeadline()
	if got, _ := f.Engine.NextDeadline(); !got.Equal(want) {
		t.Fatalf("next deadline: fixture %v, commands %v", got, want)
	}
}
