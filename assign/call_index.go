package assign

import (
	"hash/maphash"
	"iter"
	"slices"
	"strings"

	pb "github.com/phonebalance/phonebalance"
)

// callIndex finds the engine's calls by ID. It is an open-addressing hash
// table with linear probing that stores each call's hash beside it and
// each call's slot in the call, so that a call costs one hash of its ID
// when it arrives (the duplicate check and the insert share one probe),
// one per command that names it, and none when it is forgotten: removal
// goes by the call's slot. Go's map needs two hashes for "insert if
// absent" and one more to delete.
//
// The seed is random per index, as Go's maps are, so that IDs chosen by a
// caller cannot be made to collide. Iteration order is that of the table,
// unspecified: callers that need an order sort. Like a Go map, the table
// does not shrink: it keeps the size (16 bytes a slot, at most half of
// them used) that the most calls held at once needed.
type callIndex struct {
	seed  maphash.Seed
	slots []callSlot // a power of two in length, or nil while empty
	n     int        // calls held
}

// callSlot is one entry of the table: empty while c is nil.
type callSlot struct {
	hash uint64
	c    *call
}

// minCallSlots is the size of the table once it holds a call.
const minCallSlots = 16

func (x *callIndex) hash(id pb.CallID) uint64 { return maphash.String(x.seed, string(id)) }

// len returns the number of calls held.
func (x *callIndex) len() int { return x.n }

// get returns the call with ID id, or nil.
func (x *callIndex) get(id pb.CallID) *call {
	if x.n == 0 {
		return nil
	}
	c, _ := x.find(id)
	return c
}

// find returns the call with ID id, or nil, and the hash of id, which
// [callIndex.addHashed] takes so that a new call is hashed once.
func (x *callIndex) find(id pb.CallID) (*call, uint64) {
	if x.slots == nil {
		x.grow() // sets the seed the hash needs
	}
	h := x.hash(id)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.c == nil {
			return nil, h
		}
		if s.hash == h && s.c.id == id {
			return s.c, h
		}
	}
}

// add puts c under its ID, which the index must not hold.
func (x *callIndex) add(c *call) {
	if x.slots == nil {
		x.grow()
	}
	x.addHashed(c, x.hash(c.id))
}

// addHashed puts c under its ID, which the index must not hold; h is the
// hash find returned for it, with no call added or removed since.
func (x *callIndex) addHashed(c *call, h uint64) {
	if (x.n+1)*2 > len(x.slots) {
		x.grow() // rehomes by stored hashes: the seed stays
	}
	mask := uint64(len(x.slots) - 1)
	i := h & mask
	for x.slots[i].c != nil {
		i = (i + 1) & mask
	}
	x.slots[i] = callSlot{hash: h, c: c}
	c.slot = int(i)
	x.n++
}

// remove takes out c, which the index holds, without hashing its ID: the
// entries after it in its probe run move back to close the gap, so that
// every lookup still finds its call before an empty slot.
func (x *callIndex) remove(c *call) {
	mask := uint64(len(x.slots) - 1)
	i := uint64(c.slot)
	if x.slots[i].c != c {
		panic("assign: call index out of step with call " + string(c.id))
	}
	for j := (i + 1) & mask; x.slots[j].c != nil; j = (j + 1) & mask {
		home := x.slots[j].hash & mask
		// The entry at j may move to i if its home is not in (i, j],
		// cyclically: it would then still be reached from its home.
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			x.slots[i] = x.slots[j]
			x.slots[i].c.slot = int(i)
			i = j
		}
	}
	x.slots[i] = callSlot{}
	x.n--
}

// grow doubles the table, rehoming every call by its stored hash.
func (x *callIndex) grow() {
	if x.slots == nil {
		x.seed = maphash.MakeSeed() // before the first hash: add grows first
	}
	size := max(2*len(x.slots), minCallSlots)
	old := x.slots
	x.slots = make([]callSlot, size)
	mask := uint64(size - 1)
	for _, s := range old {
		if s.c == nil {
			continue
		}
		i := s.hash & mask
		for x.slots[i].c != nil {
			i = (i + 1) & mask
		}
		x.slots[i] = s
		s.c.slot = int(i)
	}
}

// all yields every call held, with its ID, in table order. The loop must
// not add or remove calls.
func (x *callIndex) all() iter.Seq2[pb.CallID, *call] {
	return func(yield func(pb.CallID, *call) bool) {
		for _, s := range x.slots {
			if s.c != nil && !yield(s.c.id, s.c) {
				return
			}
		}
	}
}

// sorted returns the calls held, sorted by ID.
func (x *callIndex) sorted() []*call {
	calls := make([]*call, 0, x.n)
	for _, c := range x.all() {
		calls = append(calls, c)
	}
	slices.SortFunc(calls, func(a, b *call) int { return strings.Compare(string(a.id), string(b.id)) })
	return calls
}
