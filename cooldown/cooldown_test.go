package cooldown

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// checkHeap fails the test unless the queue is a min-heap by (until, seq)
// whose timers know their positions, and holds exactly the live keys.
func checkHeap[K comparable](t interface {
	Helper()
	Fatalf(string, ...any)
}, s *Set[K]) {
	t.Helper()
	q := &s.queue
	for i, tm := range q.heap {
		if tm.pos != i+1 {
			t.Fatalf("timer at %d thinks it is at %d", i, tm.pos-1)
		}
		if i > 0 && q.less(i, (i-1)/2) {
			t.Fatalf("heap order broken at %d", i)
		}
		if s.live[tm.Key] != tm {
			t.Fatalf("heap holds key %v, which is not live", tm.Key)
		}
	}
	if len(q.heap) != len(s.live) {
		t.Fatalf("%d live keys but %d heap entries", len(s.live), len(q.heap))
	}
}

func TestNewIsEmpty(t *testing.T) {
	s := New[string]()
	if s.Len() != 0 {
		t.Fatalf("Len = %d, want 0", s.Len())
	}
	if _, ok := s.Next(); ok {
		t.Fatal("Next on an empty set reported a lapse")
	}
	if k, _, ok := s.PopDue(at(time.Hour)); ok {
		t.Fatalf("PopDue on an empty set returned %q", k)
	}
	if s.Excluded("ana", t0) {
		t.Fatal("unknown key excluded")
	}
	if _, ok := s.Until("ana"); ok {
		t.Fatal("Until reported an exclusion for an unknown key")
	}
	if s.Remove("ana") {
		t.Fatal("Remove of an unknown key reported true")
	}
}

// Rule: AS7
func TestExcludedUntilLapseExclusive(t *testing.T) {
	s := New[string]()
	until := at(5 * time.Minute)
	s.Add("call1/ana", until)

	cases := []struct {
		now  time.Time
		want bool
	}{
		{t0, true},
		{at(-time.Hour), true},
		{until.Add(-time.Nanosecond), true},
		{until, false}, // lapses at exactly until
		{until.Add(time.Nanosecond), false},
		{at(time.Hour), false},
	}
	for _, c := range cases {
		if got := s.Excluded("call1/ana", c.now); got != c.want {
			t.Errorf("Excluded at %v = %v, want %v", c.now.Sub(t0), got, c.want)
		}
	}
	// The exclusion is per key: another key is not excluded.
	if s.Excluded("call2/ana", t0) || s.Excluded("call1/ben", t0) {
		t.Error("exclusion leaked to another key")
	}
	got, ok := s.Until("call1/ana")
	if !ok || !got.Equal(until) {
		t.Errorf("Until = %v, %v; want %v, true", got, ok, until)
	}
	// Lapsing does not remove the entry by itself: it stays until popped.
	if s.Len() != 1 {
		t.Errorf("Len = %d, want 1", s.Len())
	}
}

// Rule: AS7
func TestPopDueAtExactlyUntil(t *testing.T) {
	s := New[string]()
	until := at(5 * time.Minute)
	s.Add("ana", until)

	if k, _, ok := s.PopDue(until.Add(-time.Nanosecond)); ok {
		t.Fatalf("PopDue one nanosecond early returned %q", k)
	}
	if s.Len() != 1 {
		t.Fatalf("Len = %d after an early PopDue, want 1", s.Len())
	}
	k, u, ok := s.PopDue(until)
	if !ok || k != "ana" || !u.Equal(until) {
		t.Fatalf("PopDue(until) = %q, %v, %v; want ana, %v, true", k, u, ok, until)
	}
	if s.Len() != 0 {
		t.Fatalf("Len = %d after pop, want 0", s.Len())
	}
	if _, ok := s.Until("ana"); ok {
		t.Fatal("popped key still has an exclusion")
	}
	if _, ok := s.Next(); ok {
		t.Fatal("Next reported a lapse after the only entry was popped")
	}
}

func TestNextIsEarliest(t *testing.T) {
	s := New[int]()
	s.Add(1, at(3*time.Minute))
	s.Add(2, at(1*time.Minute))
	s.Add(3, at(2*time.Minute))
	next, ok := s.Next()
	if !ok || !next.Equal(at(time.Minute)) {
		t.Fatalf("Next = %v, %v; want +1m", next.Sub(t0), ok)
	}
	// Next does not pop.
	if s.Len() != 3 {
		t.Fatalf("Len = %d, want 3", s.Len())
	}
}

func TestPopDueOrderAndSameTimeInsertionOrder(t *testing.T) {
	s := New[string]()
	same := at(time.Minute)
	s.Add("d", at(2*time.Minute))
	s.Add("a", same)
	s.Add("b", same)
	s.Add("early", at(30*time.Second))
	s.Add("c", same)

	var got []string
	for {
		k, _, ok := s.PopDue(at(time.Hour))
		if !ok {
			break
		}
		got = append(got, k)
	}
	want := []string{"early", "a", "b", "c", "d"}
	if !slices.Equal(got, want) {
		t.Fatalf("pop order %v, want %v", got, want)
	}
}

func TestSameTimeOrderSurvivesManyEntries(t *testing.T) {
	// Enough entries that the heap is several levels deep, all at one time.
	s := New[int]()
	for i := range 500 {
		s.Add(i, t0)
	}
	for i := range 500 {
		k, _, ok := s.PopDue(t0)
		if !ok || k != i {
			t.Fatalf("pop %d = %d, %v; want %d", i, k, ok, i)
		}
	}
}

func TestPopDueOnlyDue(t *testing.T) {
	s := New[string]()
	s.Add("a", at(time.Minute))
	s.Add("b", at(2*time.Minute))
	k, _, ok := s.PopDue(at(90 * time.Second))
	if !ok || k != "a" {
		t.Fatalf("first pop = %q, %v; want a", k, ok)
	}
	if k, _, ok := s.PopDue(at(90 * time.Second)); ok {
		t.Fatalf("second pop returned %q before it lapsed", k)
	}
	if !s.Excluded("b", at(90*time.Second)) {
		t.Fatal("b should still be excluded")
	}
}

func TestReAddReplaces(t *testing.T) {
	t.Run("later", func(t *testing.T) {
		s := New[string]()
		s.Add("ana", at(time.Minute))
		s.Add("ana", at(5*time.Minute))
		if s.Len() != 1 {
			t.Fatalf("Len = %d, want 1", s.Len())
		}
		if u, _ := s.Until("ana"); !u.Equal(at(5 * time.Minute)) {
			t.Fatalf("Until = %v, want +5m", u.Sub(t0))
		}
		if !s.Excluded("ana", at(2*time.Minute)) {
			t.Fatal("replaced exclusion should still hold at +2m")
		}
		// The old lapse time is not reported.
		if next, _ := s.Next(); !next.Equal(at(5 * time.Minute)) {
			t.Fatalf("Next = %v, want +5m", next.Sub(t0))
		}
		if k, _, ok := s.PopDue(at(2 * time.Minute)); ok {
			t.Fatalf("stale lapse popped: %q", k)
		}
		k, u, ok := s.PopDue(at(5 * time.Minute))
		if !ok || k != "ana" || !u.Equal(at(5*time.Minute)) {
			t.Fatalf("PopDue = %q, %v, %v", k, u.Sub(t0), ok)
		}
		if _, _, ok := s.PopDue(at(time.Hour)); ok {
			t.Fatal("a replaced key lapsed twice")
		}
	})
	t.Run("earlier", func(t *testing.T) {
		s := New[string]()
		s.Add("ana", at(5*time.Minute))
		s.Add("ana", at(time.Minute))
		if s.Excluded("ana", at(2*time.Minute)) {
			t.Fatal("shortened exclusion should have lapsed at +1m")
		}
		k, u, ok := s.PopDue(at(time.Minute))
		if !ok || k != "ana" || !u.Equal(at(time.Minute)) {
			t.Fatalf("PopDue = %q, %v, %v", k, u.Sub(t0), ok)
		}
		if _, _, ok := s.PopDue(at(time.Hour)); ok {
			t.Fatal("a replaced key lapsed twice")
		}
	})
	t.Run("same time moves to the back", func(t *testing.T) {
		s := New[string]()
		s.Add("a", t0)
		s.Add("b", t0)
		s.Add("a", t0) // re-added last
		var got []string
		for {
			k, _, ok := s.PopDue(t0)
			if !ok {
				break
			}
			got = append(got, k)
		}
		if want := []string{"b", "a"}; !slices.Equal(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
	})
}

func TestRemove(t *testing.T) {
	s := New[string]()
	s.Add("a", at(time.Minute))
	s.Add("b", at(2*time.Minute))
	if !s.Remove("a") {
		t.Fatal("Remove(a) = false")
	}
	if s.Remove("a") {
		t.Fatal("second Remove(a) = true")
	}
	if s.Excluded("a", t0) {
		t.Fatal("removed key still excluded")
	}
	if _, ok := s.Until("a"); ok {
		t.Fatal("removed key still has Until")
	}
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want 1", s.Len())
	}
	if next, _ := s.Next(); !next.Equal(at(2 * time.Minute)) {
		t.Fatalf("Next = %v, want +2m (the removed +1m must not show)", next.Sub(t0))
	}
	k, _, ok := s.PopDue(at(time.Hour))
	if !ok || k != "b" {
		t.Fatalf("PopDue = %q, %v; want b", k, ok)
	}
	if k, _, ok := s.PopDue(at(time.Hour)); ok {
		t.Fatalf("removed key %q lapsed", k)
	}
	// Removing the last key leaves no lapse.
	s.Add("c", at(time.Minute))
	s.Remove("c")
	if _, ok := s.Next(); ok {
		t.Fatal("Next reported a lapse for a removed key")
	}
	checkHeap(t, s)
}

func TestRemoveThenAddAgain(t *testing.T) {
	s := New[string]()
	s.Add("a", at(time.Minute))
	s.Remove("a")
	s.Add("a", at(3*time.Minute))
	if k, _, ok := s.PopDue(at(2 * time.Minute)); ok {
		t.Fatalf("old lapse of %q reported after remove and re-add", k)
	}
	k, u, ok := s.PopDue(at(3 * time.Minute))
	if !ok || k != "a" || !u.Equal(at(3*time.Minute)) {
		t.Fatalf("PopDue = %q, %v, %v", k, u.Sub(t0), ok)
	}
}

func TestAddInThePastIsAlreadyLapsed(t *testing.T) {
	s := New[string]()
	s.Add("a", at(-time.Minute))
	if s.Excluded("a", t0) {
		t.Fatal("exclusion ending in the past is in force")
	}
	if k, _, ok := s.PopDue(t0); !ok || k != "a" {
		t.Fatalf("PopDue = %q, %v; want a", k, ok)
	}
}

func TestRemovalKeepsOrder(t *testing.T) {
	// Add many, remove most, then check what is left comes out in
	// (until, insertion) order and nothing removed lingers.
	s := New[int]()
	for i := range 1000 {
		s.Add(i, at(time.Duration(i%7)*time.Second))
	}
	for i := range 1000 {
		if i%10 != 0 {
			s.Remove(i)
		}
	}
	checkHeap(t, s)
	if s.queue.Len() != s.Len() {
		t.Fatalf("queue holds %d entries for %d live", s.queue.Len(), s.Len())
	}
	var want []int
	for sec := range 7 {
		for i := 0; i < 1000; i += 10 {
			if i%7 == sec {
				want = append(want, i)
			}
		}
	}
	var got []int
	for {
		k, _, ok := s.PopDue(at(time.Hour))
		if !ok {
			break
		}
		got = append(got, k)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order after removals:\n got %v\nwant %v", got, want)
	}
}

// model is the reference: a map of key to (until, insertion number).
type model struct {
	m   map[int]modelEntry
	seq int
}

type modelEntry struct {
	until time.Time
	seq   int
}

type modelItem struct {
	key   int
	until time.Time
	seq   int
}

func (m *model) sorted() []modelItem {
	out := make([]modelItem, 0, len(m.m))
	for k, e := range m.m {
		out = append(out, modelItem{k, e.until, e.seq})
	}
	slices.SortFunc(out, func(a, b modelItem) int {
		if c := a.until.Compare(b.until); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	return out
}

// Rule: AS7
func TestPropertyAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := New[int]()
		m := &model{m: map[int]modelEntry{}}
		now := t0
		nkeys := rapid.IntRange(1, 40).Draw(t, "nkeys")
		key := rapid.IntRange(0, nkeys-1)
		// Coarse offsets make equal lapse times common.
		offset := rapid.IntRange(-3, 20)

		popOne := func(t *rapid.T) {
			k, u, ok := s.PopDue(now)
			items := m.sorted()
			if len(items) == 0 || items[0].until.After(now) {
				if ok {
					t.Fatalf("PopDue returned %d at %v; model has nothing due", k, now.Sub(t0))
				}
				return
			}
			want := items[0]
			if !ok || k != want.key || !u.Equal(want.until) {
				t.Fatalf("PopDue = %d, %v, %v; want %d, %v", k, u.Sub(t0), ok, want.key, want.until.Sub(t0))
			}
			delete(m.m, k)
		}

		t.Repeat(map[string]func(*rapid.T){
			"add": func(t *rapid.T) {
				k := key.Draw(t, "key")
				until := now.Add(time.Duration(offset.Draw(t, "offset")) * time.Second)
				s.Add(k, until)
				m.seq++
				m.m[k] = modelEntry{until, m.seq}
			},
			"remove": func(t *rapid.T) {
				k := key.Draw(t, "key")
				_, had := m.m[k]
				if got := s.Remove(k); got != had {
					t.Fatalf("Remove(%d) = %v, want %v", k, got, had)
				}
				delete(m.m, k)
			},
			"popDue": popOne,
			"popAllDue": func(t *rapid.T) {
				for range len(m.m) + 1 {
					popOne(t)
				}
				for _, it := range m.sorted() {
					if !it.until.After(now) {
						t.Fatalf("key %d still due after popping all", it.key)
					}
				}
			},
			"advance": func(t *rapid.T) {
				now = now.Add(time.Duration(rapid.IntRange(0, 5).Draw(t, "seconds")) * time.Second)
			},
			"": func(t *rapid.T) {
				if s.Len() != len(m.m) {
					t.Fatalf("Len = %d, want %d", s.Len(), len(m.m))
				}
				items := m.sorted()
				next, ok := s.Next()
				if ok != (len(items) > 0) {
					t.Fatalf("Next ok = %v with %d entries", ok, len(items))
				}
				if ok && !next.Equal(items[0].until) {
					t.Fatalf("Next = %v, want %v", next.Sub(t0), items[0].until.Sub(t0))
				}
				for k := range nkeys {
					e, in := m.m[k]
					if got, want := s.Excluded(k, now), in && now.Before(e.until); got != want {
						t.Fatalf("Excluded(%d) at %v = %v, want %v", k, now.Sub(t0), got, want)
					}
					u, has := s.Until(k)
					if has != in || (in && !u.Equal(e.until)) {
						t.Fatalf("Until(%d) = %v, %v; want %v, %v", k, u.Sub(t0), has, e.until.Sub(t0), in)
					}
				}
				checkHeap(t, s)
			},
		})
	})
}

// TestMemoryBoundedOverLongRun drives a long, busy life with at most ~100
// live exclusions and checks the heap never holds more than a small
// multiple of them: lapsed, replaced and removed entries are reclaimed.
// It runs in full under -short too: a million operations take a quarter of
// a second (about one under -race), and a shorter run pops too few lapsed
// entries to show that popping reclaims them.
func TestMemoryBoundedOverLongRun(t *testing.T) {
	const ops = 1_000_000
	const maxLive = 100
	const bound = maxLive // removal is exact: the heap holds the live entries only
	r := rand.New(rand.NewPCG(1, 2))
	s := New[uint64]()
	var keys []uint64 // live keys, for picking one to remove or re-add
	var next uint64
	now := t0
	var adds, readds, removes, pops int
	maxQueue, maxCap := 0, 0

	for range ops {
		switch x := r.IntN(10); {
		case x < 4 && s.Len() < maxLive: // a new exclusion
			next++
			s.Add(next, now.Add(time.Duration(1+r.IntN(300))*time.Second))
			keys = append(keys, next)
			adds++
		case x < 6 && len(keys) > 0: // replace one
			k := keys[r.IntN(len(keys))]
			s.Add(k, now.Add(time.Duration(1+r.IntN(300))*time.Second))
			readds++
		case x < 8 && len(keys) > 0: // remove one early
			i := r.IntN(len(keys))
			if !s.Remove(keys[i]) {
				t.Fatalf("Remove of live key %d = false", keys[i])
			}
			keys[i] = keys[len(keys)-1]
			keys = keys[:len(keys)-1]
			removes++
		default: // time passes; pop what lapsed
			// Time moves slowly against the 5-minute lapses, so removed
			// and replaced entries would sit deep in the heap for a long
			// while if removal were lazy.
			now = now.Add(time.Duration(r.IntN(200)) * time.Millisecond)
			for {
				k, _, ok := s.PopDue(now)
				if !ok {
					break
				}
				i := slices.Index(keys, k)
				if i < 0 {
					t.Fatalf("popped %d, which is not live", k)
				}
				keys[i] = keys[len(keys)-1]
				keys = keys[:len(keys)-1]
				pops++
			}
		}
		if s.Len() != len(keys) {
			t.Fatalf("Len = %d, want %d", s.Len(), len(keys))
		}
		maxQueue = max(maxQueue, s.queue.Len())
		maxCap = max(maxCap, cap(s.queue.heap))
	}
	t.Logf("adds %d, re-adds %d, removes %d, pops %d; max heap len %d, max cap %d",
		adds, readds, removes, pops, maxQueue, maxCap)
	if maxQueue > bound {
		t.Fatalf("heap grew to %d entries with at most %d live (bound %d)", maxQueue, maxLive, bound)
	}
	if maxCap > 2*bound {
		t.Fatalf("heap capacity grew to %d (bound %d)", maxCap, 2*bound)
	}
	// The run must really have churned far more entries than the bound.
	if adds+readds < 100*bound || removes < 10*bound || pops < 10*bound {
		t.Fatalf("run too tame to prove anything: adds %d, re-adds %d, removes %d, pops %d", adds, readds, removes, pops)
	}
	checkHeap(t, s)
}

// steady fills s with n exclusions one nanosecond apart and returns the
// iteration driver used by the allocation test and the benchmark: each step
// adds one exclusion and pops the one that lapses.
func steady(s *Set[int], n int) func(i int) {
	for i := range n {
		s.Add(i, t0.Add(time.Duration(i)))
	}
	return func(i int) {
		s.Add((n+i)%(2*n), t0.Add(time.Duration(n+i)))
		if _, _, ok := s.PopDue(t0.Add(time.Duration(i))); !ok {
			panic("nothing due")
		}
	}
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := New[int]()
	step := steady(s, 1000)
	i := 0
	for range 10_000 { // warm up: let the map and heap reach their size
		step(i)
		i++
	}
	allocs := testing.AllocsPerRun(10_000, func() {
		step(i)
		i++
	})
	if allocs != 0 {
		t.Fatalf("Add+PopDue allocates %v times per op in steady state", allocs)
	}
	if s.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", s.Len())
	}
}

func BenchmarkAddPopDue(b *testing.B) {
	s := New[int]()
	step := steady(s, 1000)
	for i := range 10_000 {
		step(i)
	}
	b.ReportAllocs()
	i := 10_000
	for b.Loop() {
		step(i)
		i++
	}
}
