package eventstore

import "github.com/phonebalance/phonebalance/eventlog"

// push adds ev to the ring, evicting the oldest if full. s.mu is held.
func (s *Store) push(ev eventlog.Event) {
	if len(s.recent) < s.memory {
		s.recent = append(s.recent, ev)
		return
	}
	s.recent[s.head] = ev
	s.head = (s.head + 1) % len(s.recent)
}

// dropRecent removes the events up to seq from the ring. s.mu is held.
func (s *Store) dropRecent(seq uint64) {
	kept := make([]eventlog.Event, 0, len(s.recent))
	for i := range s.recent {
		if ev := s.recent[(s.head+i)%len(s.recent)]; ev.Seq > seq {
			kept = append(kept, ev)
		}
	}
	s.recent, s.head = kept, 0
}

// Recent returns up to max of the latest events, oldest first, from
// memory (max <= 0: all those held, at most Config.Memory). Events that
// Prune deleted are not returned. The slice is new. It never blocks on
// disk.
func (s *Store) Recent(max int) []eventlog.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.recent)
	k := n
	if max > 0 && max < k {
		k = max
	}
	out := make([]eventlog.Event, 0, k)
	for i := n - k; i < n; i++ {
		out = append(out, s.recent[(s.head+i)%len(s.recent)])
	}
	return out
}
