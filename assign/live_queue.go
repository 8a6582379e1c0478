package assign

import (
	"sync"
	"sync/atomic"

	"github.com/phonebalance/phonebalance/eventlog"
)

// readyQueue is the unbounded queue of Ready values between the commands,
// which push one at a time under Live.mu (so there is a single producer at
// any time), and the delivery goroutine, its only consumer. It is a chain
// of segments, each holding up to segSize Ready values back to back in two
// arenas of its own, so that neither side takes a lock per Ready or writes
// what the other is reading: the producer publishes a Ready by storing
// the new tail, the consumer reads it and stores its own counters, on a
// cache line of its own. A segment the consumer has emptied goes back on
// a free list (under a lock taken once per segment) for the producer to
// reuse, so that once the chain has grown to the largest backlog nothing
// allocates.
type readyQueue struct {
	_ [cacheLine]byte // off the line of Live.mu, which the consumer never needs

	// The producer's side: written under Live.mu.
	tail atomic.Uint64 // Ready values pushed so far
	tseg *segment      // the segment being filled
	tidx int           // the next Ready in tseg
	_    [cacheLine]byte

	// The consumer's side: written by the delivery goroutine only.
	handed    atomic.Uint64 // Ready values handed to Deliver so far
	delivered atomic.Uint64 // Ready values whose Deliver has returned: stored per run of deliveries, or per Ready while a Sync waits
	hseg      *segment      // the segment being emptied
	hidx      int           // the next Ready in hseg
	_         [cacheLine]byte

	fmu  sync.Mutex
	free *segment // emptied segments, linked through freeNext
}

// segSize is the number of Ready values in a segment: enough that the
// free list is seldom touched, few enough that a quiet queue stays small.
const segSize = 64

type segment struct {
	readies  [segSize]Ready // slices of the arenas, capped
	effects  []Effect       // the arenas: appended to by the producer only;
	events   []eventlog.Event
	next     atomic.Pointer[segment] // set before the first Ready in it is published
	freeNext *segment                // under readyQueue.fmu
}

// cacheLine separates the fields that one goroutine writes from those the
// other writes, so that neither side's writes evict the other's cache
// lines (twice the line size, for CPUs that fetch lines in adjacent
// pairs).
const cacheLine = 128

func (q *readyQueue) init() {
	s := newSegment()
	q.tseg, q.hseg = s, s
}

// newSegment sizes the arenas for a few effects and events per Ready; they
// grow as needed and keep their size when the segment is reused.
func newSegment() *segment {
	return &segment{effects: make([]Effect, 0, segSize), events: make([]eventlog.Event, 0, 2*segSize)}
}

// push copies r into the arenas and publishes it. Only one goroutine
// pushes at a time. An arena that grows moves to a new array: the Ready
// values already published keep the old one, which is no longer written.
func (q *readyQueue) push(r Ready) {
	if q.tidx == segSize {
		s := q.reuse()
		q.tseg.next.Store(s)
		q.tseg, q.tidx = s, 0
	}
	s := q.tseg
	ne, nv := len(s.effects), len(s.events)
	s.effects = append(s.effects, r.Effects...)
	s.events = append(s.events, r.Events...)
	s.readies[q.tidx] = Ready{Effects: s.effects[ne:len(s.effects):len(s.effects)],
		Events: s.events[nv:len(s.events):len(s.events)]}
	q.tidx++
	q.tail.Store(q.tail.Load() + 1)
}

// reuse returns an emptied segment, or a new one.
func (q *readyQueue) reuse() *segment {
	q.fmu.Lock()
	s := q.free
	if s != nil {
		q.free, s.freeNext = s.freeNext, nil
	}
	q.fmu.Unlock()
	if s == nil {
		return newSegment()
	}
	s.effects, s.events = s.effects[:0], s.events[:0]
	s.next.Store(nil)
	return s
}

// peek returns the next Ready to deliver, which stays valid until the
// consumer moves past its segment; the caller has checked that one is
// published.
func (q *readyQueue) peek() Ready {
	if q.hidx == segSize {
		s := q.hseg
		q.hseg, q.hidx = s.next.Load(), 0
		// The producer is done with s: it moved to the next segment
		// before publishing the Ready just seen there. Drop the strings
		// s refers to, all at once.
		clear(s.effects)
		clear(s.events)
		clear(s.readies[:])
		q.fmu.Lock()
		s.freeNext, q.free = q.free, s
		q.fmu.Unlock()
	}
	return q.hseg.readies[q.hidx]
}

// done moves past the Ready peek returned.
func (q *readyQueue) done() { q.hidx++ }
