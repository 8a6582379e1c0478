package metrics

import (
	"unsafe"

	pb "github.com/phonebalance/phonebalance"
)

// mateCache finds a teammate's record from where the bytes of the ID
// are, without reading them. A ring goes to a different teammate at
// nearly every call, so looking the record up in Collector.mates costs a
// cache miss on the bytes (to hash them) and one on the map's group,
// besides the one on the record. A live engine hands out the same ID
// string for a teammate in every event, the one the record's key was
// taken from; when the ID of an event is that very string, the cache
// finds the record with one access to the cache (one cache line, four
// entries), hashing the address of the bytes.
//
// It is a cache only: a lookup that misses goes to the map. An entry
// holds a record still in the map: one dropped from the map is dropped
// from the cache too. A hit is exact: the ID of the record holds its bytes
// alive, so no other string can have the same address and length.
type mateCache struct {
	sets  []mateSet // a power of two long, or empty
	shift uint8     // 64 - log2(len(sets))
	next  uint8     // the way the next eviction replaces
}

// mateSet is one cache line of entries, where the records whose ID bytes
// hash to the same set go.
type mateSet [4]mateEntry

// mateEntry is a cached record and the address of its ID's bytes.
type mateEntry struct {
	at uintptr // unsafe.StringData(m.id), compared only, never followed
	m  *mate
}

// set returns the set of the ID whose bytes are at p.
func (mc *mateCache) set(p uintptr) *mateSet {
	return &mc.sets[uint64(p)*0x9e3779b97f4a7c15>>mc.shift]
}

func idData(id pb.TeammateID) uintptr {
	return uintptr(unsafe.Pointer(unsafe.StringData(string(id))))
}

// find returns the record whose ID is the string id itself (the same
// bytes), if the cache holds it.
func (mc *mateCache) find(id pb.TeammateID) *mate {
	if len(mc.sets) == 0 || len(id) == 0 {
		return nil
	}
	p := idData(id)
	s := mc.set(p)
	for i := range s {
		if s[i].at == p {
			if m := s[i].m; len(m.id) == len(id) && idData(m.id) == p {
				return m
			}
		}
	}
	return nil
}

// put caches m, if not nil, under the bytes of its ID.
func (mc *mateCache) put(m *mate) {
	if m == nil || len(mc.sets) == 0 || len(m.id) == 0 {
		return
	}
	p := idData(m.id)
	s := mc.set(p)
	way := -1
	for i := range s {
		if s[i].m == m {
			return
		}
		if way < 0 && s[i].m == nil {
			way = i
		}
	}
	if way < 0 {
		way = int(mc.next % uint8(len(s)))
		mc.next++
	}
	s[way] = mateEntry{at: p, m: m}
}

// drop forgets m, which leaves the map.
func (mc *mateCache) drop(m *mate) {
	if len(mc.sets) == 0 || len(m.id) == 0 {
		return
	}
	s := mc.set(idData(m.id))
	for i := range s {
		if s[i].m == m {
			s[i] = mateEntry{}
		}
	}
}

// grow makes room for n records, two entries each, emptying the cache
// when it resizes: at most O(1) amortised per record added.
func (mc *mateCache) grow(n int) {
	if 2*n <= len(mc.sets)*len(mateSet{}) {
		return
	}
	size, shift := 16, uint8(64-4)
	for size*len(mateSet{}) < 2*n {
		size, shift = size*2, shift-1
	}
	mc.sets, mc.shift = make([]mateSet, size), shift
}
