package assign

import (
	"iter"
	"maps"
	"slices"
	"strings"

	pb "github.com/phonebalance/phonebalance"
)

// callIndex finds the engine's calls by ID: a Go map, allocated with the
// first call. Iteration order is the map's, unspecified: callers that need
// an order sort. Like every Go map it does not shrink.
type callIndex struct {
	m map[pb.CallID]*call
}

// len returns the number of calls held.
func (x *callIndex) len() int { return len(x.m) }

// get returns the call with ID id, or nil.
func (x *callIndex) get(id pb.CallID) *call { return x.m[id] }

// add puts c under its ID, which the index must not hold.
func (x *callIndex) add(c *call) {
	if x.m == nil {
		x.m = make(map[pb.CallID]*call)
	}
	x.m[c.id] = c
}

// remove takes out c, which the index holds.
func (x *callIndex) remove(c *call) { delete(x.m, c.id) }

// all yields every call held, with its ID, in no set order. The loop must
// not add or remove calls.
func (x *callIndex) all() iter.Seq2[pb.CallID, *call] { return maps.All(x.m) }

// sorted returns the calls held, sorted by ID.
func (x *callIndex) sorted() []*call {
	calls := slices.Collect(maps.Values(x.m))
	slices.SortFunc(calls, func(a, b *call) int { return strings.Compare(string(a.id), string(b.id)) })
	return calls
}
