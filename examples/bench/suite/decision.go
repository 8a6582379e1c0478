package suite

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/examples/bench/baseline"
)

// DecisionSeed seeds every decision fixture, so all runs measure the same
// states.
const DecisionSeed = 15

// decisionFixture is one realistic state shared by the engine and the
// baselines: built once per size and reused by every benchmark round.
type decisionFixture struct {
	state  *State
	calls  []pb.CallID
	linear *baseline.Linear
	sqlite *baseline.SQLite
	now    time.Time
}

var decisionFixtures = map[int]*decisionFixture{}

// DecisionConfig is the engine config of the decision benchmark: the
// product's defaults, except that ended calls are forgotten at once. The
// benchmark's clock moves a nanosecond per call, so with the default
// ten-minute retention every ended call would stay in memory for the
// whole run and the map of calls would grow with b.N.
func DecisionConfig() assign.Config {
	cfg := assign.DefaultConfig()
	cfg.EndedCallRetention = 0
	return cfg
}

func decisionFixtureFor(n int) (*decisionFixture, error) {
	if f, ok := decisionFixtures[n]; ok {
		return f, nil
	}
	s, err := Build(n, DecisionSeed, Realistic, DecisionConfig())
	if err != nil {
		return nil, err
	}
	f := &decisionFixture{state: s, now: s.Now, linear: baseline.NewLinear()}
	for i := range 1024 {
		f.calls = append(f.calls, pb.CallID("call-"+strconv.Itoa(i)))
	}
	members := s.Snapshot(s.Members)
	for _, t := range members {
		f.linear.Set(t)
	}
	if f.sqlite, err = LoadSQLite(s.Snapshot(s.Teammates), s.Members); err != nil {
		return nil, err
	}
	if err := f.agree(); err != nil {
		return nil, err
	}
	decisionFixtures[n] = f
	return f, nil
}

// LoadSQLite loads the agents and the tiers of Team in one transaction and
// gathers planner statistics (ANALYZE).
func LoadSQLite(all []baseline.Teammate, members []pb.TeammateID) (*baseline.SQLite, error) {
	db, err := baseline.OpenSQLite()
	if err != nil {
		return nil, err
	}
	if err := db.Begin(); err != nil {
		return nil, err
	}
	for _, t := range all {
		if err := db.Set(t); err != nil {
			return nil, err
		}
	}
	for _, id := range members {
		if err := db.AddTier(Team, id); err != nil {
			return nil, err
		}
	}
	if err := db.Commit(); err != nil {
		return nil, err
	}
	return db, db.Analyze()
}

// agree checks that all three pick the same teammate on the fixture, by
// queueing a call and hanging it up, which leaves the state as it was.
func (f *decisionFixture) agree() error {
	want, err := f.rings()
	if err != nil {
		return err
	}
	lin, _ := f.linear.Pick(nil)
	sq, _, err := f.sqlite.Pick(Team, "agree", f.now.UnixNano())
	if err != nil {
		return err
	}
	sorted, _, err := f.sqlite.PickSorted(Team, "agree", f.now.UnixNano())
	if err != nil {
		return err
	}
	if lin != want || sq != want || sorted != want {
		return fmt.Errorf("suite: engine rings %q, linear picks %q, sqlite picks %q and %q", want, lin, sq, sorted)
	}
	return nil
}

// rings returns the teammate a new call rings in the fixture, by queueing
// a call and hanging it up, which leaves the state as it was.
func (f *decisionFixture) rings() (pb.TeammateID, error) {
	e := f.state.Engine
	if err := e.Arrive(f.now, "agree", Team); err != nil {
		return "", err
	}
	want, ok := Rung(e.Ready(), "agree")
	if !ok {
		return "", fmt.Errorf("suite: nobody eligible in the decision fixture")
	}
	if err := e.HangUp(f.now, "agree"); err != nil {
		return "", err
	}
	e.Ready()
	return want, nil
}

// EngineDecision measures one assignment decision through the engine's
// public API, in a steady state of n teammates in the [Realistic] mix. An
// operation is three commands: Arrive queues a new call, which decides and
// rings the longest-idle eligible teammate; ReportAssignment records a
// conversation for that teammate, so the next call goes to someone else
// (as an answer would); HangUp ends the call and frees the teammate, who
// goes back to the end of the order. The Ready slices are drained after
// each command, as a host would.
func EngineDecision(n int) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := decisionFixtureFor(n)
		if err != nil {
			b.Fatal(err)
		}
		e, mask := f.state.Engine, len(f.calls)-1
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			f.now = f.now.Add(time.Nanosecond)
			c := f.calls[i&mask]
			if err := e.Arrive(f.now, c, Team); err != nil {
				b.Fatal(err)
			}
			tm, ok := Rung(e.Ready(), c)
			if !ok {
				b.Fatal("no ring")
			}
			if err := e.ReportAssignment(f.now, tm); err != nil {
				b.Fatal(err)
			}
			e.Ready()
			if err := e.HangUp(f.now, c); err != nil {
				b.Fatal(err)
			}
			e.Ready()
		}
	}
}

// LinearDecision measures one decision of the [baseline.Linear] scan on
// the same state as [EngineDecision]: a new call, so nobody is excluded.
func LinearDecision(n int) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := decisionFixtureFor(n)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, ok := f.linear.Pick(nil); !ok {
				b.Fatal("no pick")
			}
		}
	}
}

// SQLiteDecision measures one decision query of [baseline.SQLite] on the
// same state as [EngineDecision], walking the agents_idle index.
func SQLiteDecision(n int) func(b *testing.B) {
	return sqliteDecision(n, (*baseline.SQLite).Pick)
}

// SQLiteSortedDecision is [SQLiteDecision] with mod_callcenter's query
// shape, which reads every member and sorts ([baseline.SQLite.PickSorted]).
func SQLiteSortedDecision(n int) func(b *testing.B) {
	return sqliteDecision(n, (*baseline.SQLite).PickSorted)
}

func sqliteDecision(n int, pick func(*baseline.SQLite, pb.TeamID, pb.CallID, int64) (pb.TeammateID, bool, error)) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := decisionFixtureFor(n)
		if err != nil {
			b.Fatal(err)
		}
		now := f.now.UnixNano()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, ok, err := pick(f.sqlite, Team, "new-call", now); err != nil || !ok {
				b.Fatal("no pick", err)
			}
		}
	}
}
