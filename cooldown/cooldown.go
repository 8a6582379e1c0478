// Package cooldown keeps exclusions that lapse at an absolute time: the
// "not offered this call again for 5 minutes" rule of SPEC AS7, keyed by
// whatever the caller chooses (the assign engine uses a (call, teammate)
// pair). It knows nothing about calls, starts no timers and reads no clock:
// the caller passes the time in and asks for the next lapse, so a host can
// arm one timer for it.
//
// Lapsed entries are reclaimed as they are popped, and entries removed
// early are compacted away, so memory stays proportional to the number of
// live exclusions however long the process runs.
package cooldown

import (
	"slices"
	"time"
)

// Set is a set of exclusions, each lapsing at its own time. The zero value
// is not ready; use [New]. A Set is not safe for concurrent use.
type Set[K comparable] struct {
	live  map[K]slot
	queue []entry[K] // min-heap by (until, seq); may hold stale entries
	seq   uint64
}

type slot struct {
	until time.Time
	seq   uint64
}

type entry[K comparable] struct {
	until time.Time
	seq   uint64
	key   K
}

// New returns an empty set.
func New[K comparable]() *Set[K] {
	return &Set[K]{live: make(map[K]slot)}
}

// Len returns the number of exclusions not yet popped or removed, lapsed
// or not.
func (s *Set[K]) Len() int { return len(s.live) }

// Add excludes k until the given time, replacing any earlier exclusion of
// k. An exclusion lapses at exactly until: [Set.Excluded] is false from then
// on.
func (s *Set[K]) Add(k K, until time.Time) {
	s.seq++
	s.live[k] = slot{until: until, seq: s.seq}
	s.push(entry[K]{until: until, seq: s.seq, key: k})
	s.compactIfSparse()
}

// Excluded reports whether k is excluded at now.
func (s *Set[K]) Excluded(k K, now time.Time) bool {
	sl, ok := s.live[k]
	return ok && now.Before(sl.until)
}

// Until returns when k's exclusion lapses, and whether k has one.
func (s *Set[K]) Until(k K) (time.Time, bool) {
	sl, ok := s.live[k]
	return sl.until, ok
}

// Remove drops k's exclusion early and reports whether it had one. No lapse
// is reported for it afterwards.
func (s *Set[K]) Remove(k K) bool {
	if _, ok := s.live[k]; !ok {
		return false
	}
	delete(s.live, k)
	s.dropStaleTop()
	s.compactIfSparse()
	return true
}

// Next returns the earliest time an exclusion lapses, and false when there
// is none.
func (s *Set[K]) Next() (time.Time, bool) {
	s.dropStaleTop()
	if len(s.queue) == 0 {
		return time.Time{}, false
	}
	return s.queue[0].until, true
}

// PopDue removes and returns the exclusion that lapses first if it has
// lapsed by now (until <= now). Exclusions lapsing at the same time come
// out in the order they were added. It allocates nothing.
func (s *Set[K]) PopDue(now time.Time) (k K, until time.Time, ok bool) {
	s.dropStaleTop()
	if len(s.queue) == 0 || s.queue[0].until.After(now) {
		return k, until, false
	}
	top := s.pop()
	delete(s.live, top.key)
	s.dropStaleTop()
	return top.key, top.until, true
}

// Entry is one live exclusion, as listed by [Set.Entries].
type Entry[K comparable] struct {
	Key   K
	Until time.Time
}

// Entries returns the live exclusions in the order they lapse: by time,
// then in the order they were added. Adding them in this order to a new
// Set rebuilds one that pops the same way. It allocates the result.
func (s *Set[K]) Entries() []Entry[K] {
	live := make([]entry[K], 0, len(s.live))
	for _, e := range s.queue {
		if !s.stale(e) {
			live = append(live, e)
		}
	}
	slices.SortFunc(live, func(a, b entry[K]) int {
		if c := a.until.Compare(b.until); c != 0 {
			return c
		}
		if a.seq < b.seq {
			return -1
		}
		return 1
	})
	out := make([]Entry[K], len(live))
	for i, e := range live {
		out[i] = Entry[K]{Key: e.key, Until: e.until}
	}
	return out
}

func (s *Set[K]) stale(e entry[K]) bool {
	sl, ok := s.live[e.key]
	return !ok || sl.seq != e.seq
}

func (s *Set[K]) dropStaleTop() {
	for len(s.queue) > 0 && s.stale(s.queue[0]) {
		s.pop()
	}
}

// compactIfSparse rebuilds the heap when stale entries outnumber live ones,
// so early removals cannot make memory grow without bound.
func (s *Set[K]) compactIfSparse() {
	if len(s.queue) < 64 || len(s.queue) <= 2*len(s.live) {
		return
	}
	kept := s.queue[:0]
	for _, e := range s.queue {
		if !s.stale(e) {
			kept = append(kept, e)
		}
	}
	clear(s.queue[len(kept):])
	s.queue = kept
	for i := len(s.queue)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
}

func (s *Set[K]) less(i, j int) bool {
	a, b := &s.queue[i], &s.queue[j]
	if !a.until.Equal(b.until) {
		return a.until.Before(b.until)
	}
	return a.seq < b.seq
}

func (s *Set[K]) push(e entry[K]) {
	s.queue = append(s.queue, e)
	for i := len(s.queue) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s.queue[i], s.queue[p] = s.queue[p], s.queue[i]
		i = p
	}
}

func (s *Set[K]) pop() entry[K] {
	top := s.queue[0]
	last := len(s.queue) - 1
	s.queue[0] = s.queue[last]
	var zero entry[K]
	s.queue[last] = zero
	s.queue = s.queue[:last]
	s.down(0)
	return top
}

func (s *Set[K]) down(i int) {
	n := len(s.queue)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			return
		}
		s.queue[i], s.queue[m] = s.queue[m], s.queue[i]
		i = m
	}
}
