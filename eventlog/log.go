package eventlog

import (
	"slices"
	"sync"

	pb "github.com/phonebalance/phonebalance"
)

// Log is an in-memory store of events that rebuilds each call's ordered
// timeline (SPEC EL1). It keeps every event it is given, so it grows with
// the number of calls and teammate changes, by design: it is meant for
// tests, tools and hosts that hold a bounded stretch of history (for
// example one day, or the calls on screen), not for a process that runs
// for ever. The zero value is an empty log ready to use.
//
// A Log is safe for concurrent use. Its methods return copies, which the
// caller may keep and change.
type Log struct {
	mu     sync.RWMutex
	events []Event
	byCall map[pb.CallID][]Event
	calls  []pb.CallID
}

// Append adds e. Events are kept in Seq order: one appended with a Seq
// lower than an earlier one is inserted in its place (events with equal
// Seq keep their arrival order). Appending in order costs O(1) amortised.
func (l *Log) Append(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = insertBySeq(l.events, e)
	if e.Call == "" {
		return
	}
	if l.byCall == nil {
		l.byCall = make(map[pb.CallID][]Event)
	}
	tl, seen := l.byCall[e.Call]
	if !seen {
		l.calls = append(l.calls, e.Call)
	}
	l.byCall[e.Call] = insertBySeq(tl, e)
}

// Write appends e and returns nil, so a Log is a [Sink].
func (l *Log) Write(e Event) error {
	l.Append(e)
	return nil
}

// Timeline returns the events of call ordered by Seq, or nil if the log
// has none.
func (l *Log) Timeline(call pb.CallID) []Event {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.byCall[call])
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
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.events)
}

// Len returns the number of events in the log.
func (l *Log) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.events)
}

// insertBySeq inserts e after every event whose Seq is not greater.
func insertBySeq(s []Event, e Event) []Event {
	if n := len(s); n == 0 || s[n-1].Seq <= e.Seq {
		return append(s, e)
	}
	i, _ := slices.BinarySearchFunc(s, e.Seq, func(x Event, seq uint64) int {
		if x.Seq <= seq {
			return -1
		}
		return 1
	})
	return slices.Insert(s, i, e)
}
