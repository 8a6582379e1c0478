package eventstore

import "github.com/phonebalance/phonebalance/eventlog"

// push adds ev to p's ring, evicting the oldest if full. s.mu is held.
func (s *Store) push(p *part, ev eventlog.Event) {
	if len(p.recent) < s.memory {
		p.recent = append(p.recent, ev)
		return
	}
	p.recent[p.head] = ev
	p.head = (p.head + 1) % len(p.recent)
}

// dropRecent removes the events up to seq from p's ring. s.mu is held.
func dropRecent(p *part, seq uint64) {
	kept := make([]eventlog.Event, 0, len(p.recent))
	for i := range p.recent {
		if ev := p.recent[(p.head+i)%len(p.recent)]; ev.Seq > seq {
			kept = append(kept, ev)
		}
	}
	p.recent, p.head = kept, 0
}

// Recent returns up to max of workspace ws's latest events, oldest first,
// from memory (max <= 0: all those held, at most Config.Memory). Events
// that Prune deleted are not returned. The slice is new. It never blocks
// on disk.
func (s *Store) Recent(ws string, max int) []eventlog.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.parts[ws]
	if p == nil {
		return []eventlog.Event{}
	}
	n := len(p.recent)
	k := n
	if max > 0 && max < k {
		k = max
	}
	out := make([]eventlog.Event, 0, k)
	for i := n - k; i < n; i++ {
		out = append(out, p.recent[(p.head+i)%len(p.recent)])
	}
	return out
}
