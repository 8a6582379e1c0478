package eventlog

import (
	"slices"
	"sync"

	pb "github.com/phonebalance/phonebalance"
)

// Log is an in-memory store of events that rebuilds each call's ordered
// timeline (rule EL1). It keeps every event it is given, so it grows with
// the number of calls and teammate changes, by design: it is meant for
// tests, tools and hosts that hold a bounded stretch of history (for
// example one day, or the calls on screen), not for a process that runs
// for ever. The zero value is an empty log ready to use.
//
// A Log is safe for concurrent use. Its methods return copies, which the
// caller may keep and change.
type Log struct {
	mu     sync.RWMutex
	events seqList
	byCall map[pb.CallID]*seqList
	calls  []pb.CallID
}

// seqList is events kept in Seq order lazily: appended in arrival order,
// with the length of the prefix known to be in order; the rest is sorted
// and merged in when read.
type seqList struct {
	ev     []Event
	sorted int
}

func (s *seqList) add(e Event) {
	if n := len(s.ev); s.sorted == n && (n == 0 || s.ev[n-1].Seq <= e.Seq) {
		s.sorted++
	}
	s.ev = append(s.ev, e)
}

func (s *seqList) settled() bool { return s.sorted == len(s.ev) }

// settle puts every event in Seq order, stably: of events with equal Seq
// the one appended first stays first. Cost O(k log k + n) for k events
// appended out of order since the last read, so any order of appends costs
// O(n log n) in all.
func (s *seqList) settle() {
	if s.settled() {
		return
	}
	bySeq := func(a, b Event) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	}
	head, tail := s.ev[:s.sorted], s.ev[s.sorted:]
	slices.SortStableFunc(tail, bySeq)
	if len(head) > 0 && head[len(head)-1].Seq > tail[0].Seq {
		merged := make([]Event, 0, cap(s.ev))
		i, j := 0, 0
		for i < len(head) && j < len(tail) {
			if tail[j].Seq < head[i].Seq {
				merged = append(merged, tail[j])
				j++
			} else {
				merged = append(merged, head[i])
				i++
			}
		}
		merged = append(merged, head[i:]...)
		s.ev = append(merged, tail[j:]...)
	}
	s.sorted = len(s.ev)
}

// Append adds e. Events are kept in Seq order: one appended with a Seq
// lower than an earlier one takes its place (events with equal Seq keep
// their arrival order). Append costs O(1) amortised in any order; the
// reads that follow out-of-order appends sort what arrived out of order.
func (l *Log) Append(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events.add(e)
	if e.Call == "" {
		return
	}
	if l.byCall == nil {
		l.byCall = make(map[pb.CallID]*seqList)
	}
	tl, seen := l.byCall[e.Call]
	if !seen {
		tl = &seqList{}
		l.byCall[e.Call] = tl
		l.calls = append(l.calls, e.Call)
	}
	tl.add(e)
}

// Write appends e and returns nil, so a Log is a [Sink].
func (l *Log) Write(e Event) error {
	l.Append(e)
	return nil
}

// read returns a copy of s in Seq order, settling it first if needed.
func (l *Log) read(s func() *seqList) []Event {
	l.mu.RLock()
	if x := s(); x == nil || x.settled() {
		defer l.mu.RUnlock()
		if x == nil {
			return nil
		}
		return slices.Clone(x.ev)
	}
	l.mu.RUnlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	x := s()
	x.settle()
	return slices.Clone(x.ev)
}

// Timeline returns the events of call ordered by Seq, or nil if the log
// has none.
func (l *Log) Timeline(call pb.CallID) []Event {
	return l.read(func() *seqList { return l.byCall[call] })
}

// Calls returns the calls of the log in the order their first event was
// appended.
func (l *Log) Calls() []pb.CallID {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.calls)
}

// Events returns every event, call and teammate events alike, ordered by
// Seq.
func (l *Log) Events() []Event {
	return l.read(func() *seqList { return &l.events })
}

// Len returns the number of events in the log.
func (l *Log) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.events.ev)
}
