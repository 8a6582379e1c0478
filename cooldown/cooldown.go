// Package cooldown keeps exclusions that lapse at an absolute time: the
// "not offered this call again for 5 minutes" rule of rule AS7, keyed by
// whatever the caller chooses (the assign engine uses a (call, teammate)
// pair). It knows nothing about calls, starts no timers and reads no clock:
// the caller passes the time in and asks for the next lapse, so a host can
// arm one timer for it.
//
// Two shapes: [Set], exclusions keyed by any comparable key, and [Queue],
// timers the caller embeds in its own structures. A Set is a map over a
// Queue. Lapsed and removed entries leave nothing behind, so memory stays
// proportional to the number of live exclusions however long the process
// runs.
package cooldown

import (
	"time"
)

// Set is a set of exclusions, each lapsing at its own time. The zero value
// is not ready; use [New]. A Set is not safe for concurrent use. Once it
// has held its largest number of live exclusions it allocates nothing.
type Set[K comparable] struct {
	live  map[K]*Timer[K]
	queue Queue[K]
	free  []*Timer[K]
}

// New returns an empty set.
func New[K comparable]() *Set[K] {
	return &Set[K]{live: make(map[K]*Timer[K])}
}

// Len returns the number of exclusions not yet popped or removed, lapsed
// or not.
func (s *Set[K]) Len() int { return len(s.live) }

// Add excludes k until the given time, replacing any earlier exclusion of
// k. An exclusion lapses at exactly until: [Set.Excluded] is false from then
// on. A replaced exclusion goes after others lapsing at the same time.
func (s *Set[K]) Add(k K, until time.Time) {
	t, ok := s.live[k]
	if !ok {
		if n := len(s.free); n > 0 {
			t, s.free = s.free[n-1], s.free[:n-1]
		} else {
			t = new(Timer[K])
		}
		t.Key = k
		s.live[k] = t
	}
	s.queue.Schedule(t, until)
}

// Excluded reports whether k is excluded at now.
func (s *Set[K]) Excluded(k K, now time.Time) bool {
	t, ok := s.live[k]
	return ok && now.Before(t.until)
}

// Until returns when k's exclusion lapses, and whether k has one.
func (s *Set[K]) Until(k K) (time.Time, bool) {
	t, ok := s.live[k]
	if !ok {
		return time.Time{}, false
	}
	return t.until, true
}

// Remove drops k's exclusion early and reports whether it had one. No lapse
// is reported for it afterwards.
func (s *Set[K]) Remove(k K) bool {
	t, ok := s.live[k]
	if !ok {
		return false
	}
	s.queue.Cancel(t)
	s.release(k, t)
	return true
}

// Next returns the earliest time an exclusion lapses, and false when there
// is none.
func (s *Set[K]) Next() (time.Time, bool) { return s.queue.Next() }

// PopDue removes and returns the exclusion that lapses first if it has
// lapsed by now (until <= now). Exclusions lapsing at the same time come
// out in the order they were added. It allocates nothing.
func (s *Set[K]) PopDue(now time.Time) (k K, until time.Time, ok bool) {
	t, ok := s.queue.PopDue(now)
	if !ok {
		return k, until, false
	}
	k, until = t.Key, t.until
	s.release(k, t)
	return k, until, true
}

func (s *Set[K]) release(k K, t *Timer[K]) {
	delete(s.live, k)
	*t = Timer[K]{}
	s.free = append(s.free, t)
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
	timers := s.queue.Timers()
	out := make([]Entry[K], len(timers))
	for i, t := range timers {
		out[i] = Entry[K]{Key: t.Key, Until: t.until}
	}
	return out
}
