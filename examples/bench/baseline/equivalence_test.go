package baseline_test

import (
	"math/rand/v2"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/examples/bench/baseline"
	"github.com/phonebalance/phonebalance/examples/bench/suite"
)

const probe pb.CallID = "probe"

// Rule: AS2, AS3, AS7
//
// On random states, both baselines ring the teammate the engine rings for
// a new call, and again after each decline of it.
func TestBaselinesAgreeWithEngine(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	var rung, declines, nobody int
	for seed := range uint64(seeds) {
		r := rand.New(rand.NewPCG(seed, 1))
		n := 1 + r.IntN(250)
		s, err := suite.Build(n, seed, suite.RandomMix(r), assign.DefaultConfig())
		if err != nil {
			t.Fatalf("seed %d: build: %v", seed, err)
		}
		all := s.Snapshot(s.Teammates)
		lin := baseline.NewLinear()
		for _, tm := range s.Snapshot(s.Members) {
			lin.Set(tm)
		}
		db := loadSQLite(t, all, s.Members)
		now := s.Now.UnixNano()
		// A lapsed exclusion the query must ignore, for a random teammate.
		if err := db.Exclude(probe, s.Teammates[r.IntN(n)], now); err != nil {
			t.Fatal(err)
		}

		if err := s.Engine.Arrive(s.Now, probe, suite.Team); err != nil {
			t.Fatalf("seed %d: arrive: %v", seed, err)
		}
		got, ok := suite.Rung(s.Engine.Ready(), probe)
		var excluded []pb.TeammateID
		for {
			check(t, seed, excluded, got, ok, lin, db, now)
			if !ok {
				nobody++
				break
			}
			rung++
			if r.IntN(3) == 0 {
				break
			}
			if err := s.Engine.Decline(s.Now, probe, got, eventlog.DeclineButton); err != nil {
				t.Fatalf("seed %d: decline: %v", seed, err)
			}
			declines++
			excluded = append(excluded, got)
			if err := db.Exclude(probe, got, s.Now.Add(5*time.Minute).UnixNano()); err != nil {
				t.Fatal(err)
			}
			got, ok = suite.Rung(s.Engine.Ready(), probe)
		}
		db.Close()
	}
	// The generator must reach every branch, or the test proves little.
	if rung < seeds || declines < seeds/2 || nobody == 0 {
		t.Fatalf("weak coverage: %d rings, %d declines, %d with nobody eligible", rung, declines, nobody)
	}
}

func check(t *testing.T, seed uint64, excluded []pb.TeammateID, engine pb.TeammateID, ok bool,
	lin *baseline.Linear, db *baseline.SQLite, now int64) {
	t.Helper()
	if id, found := lin.Pick(excluded); id != engine || found != ok {
		t.Fatalf("seed %d, %d excluded: linear picks %q (%v), engine rings %q (%v)",
			seed, len(excluded), id, found, engine, ok)
	}
	for name, pick := range map[string]func(pb.TeamID, pb.CallID, int64) (pb.TeammateID, bool, error){
		"sqlite": db.Pick, "sqlite sorted": db.PickSorted,
	} {
		id, found, err := pick(suite.Team, probe, now)
		if err != nil {
			t.Fatal(err)
		}
		if id != engine || found != ok {
			t.Fatalf("seed %d, %d excluded: %s picks %q (%v), engine rings %q (%v)",
				seed, len(excluded), name, id, found, engine, ok)
		}
	}
}

func loadSQLite(t *testing.T, all []baseline.Teammate, members []pb.TeammateID) *baseline.SQLite {
	t.Helper()
	db, err := baseline.OpenSQLite()
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range all {
		if err := db.Set(tm); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range members {
		if err := db.AddTier(suite.Team, id); err != nil {
			t.Fatal(err)
		}
	}
	// Another call's live exclusion must not leak into the probe's.
	if len(all) > 0 {
		if err := db.Exclude("other", all[0].ID, 1<<62); err != nil {
			t.Fatal(err)
		}
	}
	return db
}
