package core

import (
	"fmt"
	"slices"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// fullEffectLog returns a log that has wrapped: entries 1 to n, two
// effects each, more than EffectLogSize in all.
func fullEffectLog(n int) *EffectLog {
	l := newEffectLog()
	two := []assign.Effect{{Kind: assign.Ring, Call: "c"}, {Kind: assign.StopRinging, Call: "c"}}
	for i := 1; i <= n; i++ {
		l.add(uint64(i), two)
	}
	return l
}

// After returns the effects after an ID, in order, up to max, and says
// when effects after it were evicted, wherever the ID falls in a ring
// that has wrapped.
func TestEffectLogAfterInAWrappedRing(t *testing.T) {
	const entries = EffectLogSize/2 + 100 // 200 effects evicted
	l := fullEffectLog(entries)
	oldest := replica.EffectID{Index: 101, Ordinal: 0}
	for _, c := range []struct {
		id    replica.EffectID
		max   int
		first replica.EffectID
		n     int
		gap   bool
	}{
		{replica.EffectID{}, 3, oldest, 3, true},
		{replica.EffectID{Index: 100, Ordinal: 1}, 5, oldest, 5, false}, // the last evicted
		{replica.EffectID{Index: 100, Ordinal: 0}, 5, oldest, 5, true},
		{replica.EffectID{Index: 5000, Ordinal: 0}, 1, replica.EffectID{Index: 5000, Ordinal: 1}, 1, false},
		{replica.EffectID{Index: 5000, Ordinal: 1}, 4, replica.EffectID{Index: 5001, Ordinal: 0}, 4, false},
		{replica.EffectID{Index: entries - 1, Ordinal: 1}, 10, replica.EffectID{Index: entries, Ordinal: 0}, 2, false},
		{replica.EffectID{Index: entries, Ordinal: 1}, 10, replica.EffectID{}, 0, false},
		{replica.EffectID{Index: entries + 7}, 10, replica.EffectID{}, 0, false},
	} {
		t.Run(fmt.Sprint(c.id), func(t *testing.T) {
			recs, gap, _ := l.After(c.id, c.max)
			if len(recs) != c.n || gap != c.gap {
				t.Fatalf("%d effects, gap %v; want %d, gap %v", len(recs), gap, c.n, c.gap)
			}
			if c.n > 0 && recs[0].ID != c.first {
				t.Fatalf("first %v, want %v", recs[0].ID, c.first)
			}
			if !slices.IsSortedFunc(recs, func(a, b EffectRecord) int {
				if less(a.ID, b.ID) {
					return -1
				}
				return 1
			}) {
				t.Fatal("not in order")
			}
		})
	}
}

// BenchmarkEffectLogAfter reads the latest effects of a full log, as an
// effects stream does after each applied command.
func BenchmarkEffectLogAfter(b *testing.B) {
	l := fullEffectLog(EffectLogSize)
	last := replica.EffectID{Index: EffectLogSize - 1, Ordinal: 1}
	b.ReportAllocs()
	for b.Loop() {
		if recs, _, _ := l.After(last, 256); len(recs) != 2 {
			b.Fatal(len(recs))
		}
	}
}
