package baseline

import (
	pb "github.com/phonebalance/phonebalance"
)

// Linear is the members of one queue in a flat list, scanned in full for
// every decision. It is laid out as a struct of arrays: the scan reads one
// byte and one int64 per member and touches the ID only to break a tie or
// check an exclusion. A Linear is not safe for concurrent use.
type Linear struct {
	ids     []pb.TeammateID
	last    []int64
	blocked []bool // true if presence or call limit rule the member out
	index   map[pb.TeammateID]int
}

// NewLinear returns an empty queue.
func NewLinear() *Linear {
	return &Linear{index: make(map[pb.TeammateID]int)}
}

// Len returns the number of members.
func (l *Linear) Len() int { return len(l.ids) }

// Set adds a member or replaces their state.
func (l *Linear) Set(t Teammate) {
	i, ok := l.index[t.ID]
	if !ok {
		i = len(l.ids)
		l.index[t.ID] = i
		l.ids = append(l.ids, t.ID)
		l.last = append(l.last, 0)
		l.blocked = append(l.blocked, false)
	}
	l.last[i] = t.Last
	l.blocked[i] = !t.Eligible()
}

// Pick returns the member a new offer of a call goes to: the eligible
// member not in excluded whose last assignment is oldest, ties broken by
// ID (rule AS2, AS3). It scans every member and allocates nothing.
func (l *Linear) Pick(excluded []pb.TeammateID) (pb.TeammateID, bool) {
	best := -1
	var bestLast int64
	last := l.last[:len(l.blocked)]
	for i, b := range l.blocked {
		if b {
			continue
		}
		x := last[i]
		if best >= 0 && (x > bestLast || (x == bestLast && l.ids[i] > l.ids[best])) {
			continue
		}
		if isExcluded(l.ids[i], excluded) {
			continue
		}
		best, bestLast = i, x
	}
	if best < 0 {
		return "", false
	}
	return l.ids[best], true
}

func isExcluded(id pb.TeammateID, excluded []pb.TeammateID) bool {
	for _, x := range excluded {
		if x == id {
			return true
		}
	}
	return false
}
