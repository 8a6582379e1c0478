package suite

import (
	"testing"

	"github.com/google/btree"
	"github.com/phonebalance/phonebalance/examples/bench/baseline"
)

// treeItem has the shape of the engine's per-team tree items: last
// assignment, ID, pointer.
type treeItem struct {
	last int64
	id   string
	t    *baseline.Teammate
}

// TreeMin isolates the data-structure step of the engine's decision for a
// new call: the minimum of a degree-32 github.com/google/btree holding the
// eligible members of the [Realistic] state of n teammates, ordered by
// last assignment then ID, as package assign keeps them. It goes through
// no engine API; the CPU profile of [EngineDecision] shows the engine's
// own decision code costs about as much.
func TreeMin(n int) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := decisionFixtureFor(n)
		if err != nil {
			b.Fatal(err)
		}
		tr := btree.NewG(32, func(a, b treeItem) bool {
			if a.last != b.last {
				return a.last < b.last
			}
			return a.id < b.id
		})
		members := f.state.Snapshot(f.state.Members)
		for i := range members {
			if members[i].Eligible() {
				tr.ReplaceOrInsert(treeItem{members[i].Last, string(members[i].ID), &members[i]})
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, ok := tr.Min(); !ok {
				b.Fatal("empty tree")
			}
		}
	}
}
